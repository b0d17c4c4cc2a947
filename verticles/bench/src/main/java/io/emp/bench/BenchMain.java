package io.emp.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the benchmark jar: {@code java -jar emp-bench.jar claim [--depths 1000,100000,1000000]
 * [--signatures 50] [--claims 2000] [--out target/bench]}. Prints a Markdown table and writes JSON.
 */
public final class BenchMain {
  private BenchMain() {
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 0 || !args[0].equals("claim")) {
      System.err.println("usage: emp-bench claim [--depths 1000,100000,1000000] [--signatures 50] [--claims 2000]"
        + " [--out DIR]");
      System.exit(2);
    }
    Options o = Options.parse(args);
    JsonArray results = new JsonArray();
    try (Bench bench = new Bench()) {
      ClaimBenchmark b = new ClaimBenchmark(bench, o.signatures, o.claims);
      for (long depth : o.depths) {
        System.err.printf("claim benchmark: depth %,d over %d signatures ...%n", depth, o.signatures);
        JsonObject r = b.run(depth);
        System.err.println(r.encode());
        results.add(r);
      }
    }
    Files.createDirectories(o.out);
    Files.writeString(o.out.resolve("claim.json"), results.encodePrettily());
    String table = ClaimReport.markdown(results);
    Files.writeString(o.out.resolve("claim.md"), table);
    System.out.println(table);
  }

  private record Options(List<Long> depths, int signatures, int claims, Path out) {
    static Options parse(String[] args) {
      List<Long> depths = List.of(1_000L, 100_000L, 1_000_000L);
      int signatures = 50;
      int claims = 2_000;
      Path out = Path.of("target", "bench");
      for (int i = 1; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--depths" -> {
            List<Long> d = new ArrayList<>();
            for (String s : require(value, args[i]).split(",")) {
              d.add(Long.parseLong(s.trim().replace("_", "")));
            }
            depths = d;
            i++;
          }
          case "--signatures" -> {
            signatures = Integer.parseInt(require(value, args[i]));
            i++;
          }
          case "--claims" -> {
            claims = Integer.parseInt(require(value, args[i]));
            i++;
          }
          case "--out" -> {
            out = Path.of(require(value, args[i]));
            i++;
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      return new Options(depths, signatures, claims, out);
    }

    private static String require(String value, String flag) {
      if (value == null) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      return value;
    }
  }
}
