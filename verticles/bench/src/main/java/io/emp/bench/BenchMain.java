package io.emp.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the benchmark jar. Each benchmark starts its own redis-server on a free port, prints
 * its figures and writes them as JSON under {@code --out} (default {@code target/bench}).
 *
 * <pre>
 * emp-bench claim      [--depths 1000,100000,1000000] [--signatures 50] [--claims 2000]
 * emp-bench dispatch   [--workers 4] [--jobs 2000]
 * emp-bench throughput [--jobs 50000] [--slots 32] [--in-flight 64]
 * emp-bench idle       [--workers 20] [--seconds 60]
 * </pre>
 */
public final class BenchMain {
  private BenchMain() {
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      usage();
    }
    Map<String, String> o = options(args);
    Path out = Path.of(o.getOrDefault("out", "target/bench"));
    Files.createDirectories(out);
    try (Bench bench = new Bench()) {
      switch (args[0]) {
        case "claim" -> claim(bench, o, out);
        case "dispatch" -> write(out, "dispatch", new DispatchBenchmark(bench)
          .run(integer(o, "workers", 4), integer(o, "jobs", 2_000)));
        case "throughput" -> write(out, "throughput", new ThroughputBenchmark(bench)
          .run(integer(o, "jobs", 50_000), integer(o, "slots", 32), integer(o, "in-flight", 64)));
        case "idle" -> write(out, "idle", new IdleCostBenchmark(bench)
          .run(integer(o, "workers", 20), integer(o, "seconds", 60)));
        default -> usage();
      }
    }
  }

  private static void claim(Bench bench, Map<String, String> o, Path out) throws IOException {
    List<Long> depths = new ArrayList<>();
    for (String s : o.getOrDefault("depths", "1000,100000,1000000").split(",")) {
      depths.add(Long.parseLong(s.trim().replace("_", "")));
    }
    int signatures = integer(o, "signatures", 50);
    ClaimBenchmark b = new ClaimBenchmark(bench, signatures, integer(o, "claims", 2_000));
    JsonArray results = new JsonArray();
    for (long depth : depths) {
      System.err.printf("claim benchmark: depth %,d over %d signatures ...%n", depth, signatures);
      JsonObject r = b.run(depth);
      System.err.println(r.encode());
      results.add(r);
    }
    Files.writeString(out.resolve("claim.json"), results.encodePrettily());
    String table = ClaimReport.markdown(results);
    Files.writeString(out.resolve("claim.md"), table);
    System.out.println(table);
  }

  private static void write(Path out, String name, JsonObject result) throws IOException {
    Files.writeString(out.resolve(name + ".json"), result.encodePrettily());
    System.out.println(result.encodePrettily());
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value, got: " + args[i]);
      }
      o.put(args[i].substring(2), args[i + 1]);
    }
    return o;
  }

  private static int integer(Map<String, String> o, String name, int fallback) {
    return o.containsKey(name) ? Integer.parseInt(o.get(name).replace("_", "")) : fallback;
  }

  private static void usage() {
    System.err.println("usage: emp-bench claim|dispatch|throughput|idle [--option value ...] (see BenchMain javadoc)");
    System.exit(2);
  }
}
