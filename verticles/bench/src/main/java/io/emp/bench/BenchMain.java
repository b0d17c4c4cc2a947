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
 * emp-bench throughput [--jobs 50000] [--slots 32] [--in-flight 64]   (--slots 1,8,32: one run per slot count)
 * emp-bench idle       [--workers 20] [--seconds 60]
 * emp-bench recovery   [--trials 20] [--lease-ms 15000] [--heartbeat-ms 2000] [--reap-ms 1000]
 * emp-bench compare    --node-script target/bullmq-bench/bench.mjs [--jobs 50000] [--concurrency 16] [--producers 64] [--warmup 2000]
 * emp-bench simulate   scripts/scenarios/steady.yaml [--out target/sim] [--time-scale K]
 * </pre>
 */
public final class BenchMain {
  private BenchMain() {
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      usage();
    }
    if (args[0].equals("simulate")) {
      if (args.length < 2 || args[1].startsWith("--")) {
        usage();
      }
      String[] rest = new String[args.length - 1];
      System.arraycopy(args, 1, rest, 0, rest.length);
      rest[0] = "simulate";
      System.exit(io.emp.bench.sim.SimulateMain.run(Path.of(args[1]), options(rest)));
    }
    Map<String, String> o = options(args);
    Path out = Path.of(o.getOrDefault("out", "target/bench"));
    Files.createDirectories(out);
    try (Bench bench = new Bench()) {
      switch (args[0]) {
        case "claim" -> claim(bench, o, out);
        case "dispatch" -> write(out, "dispatch", new DispatchBenchmark(bench)
          .run(integer(o, "workers", 4), integer(o, "jobs", 2_000)));
        case "throughput" -> throughput(bench, o, out);
        case "recovery" -> write(out, "recovery", new RecoveryBenchmark(bench).run(integer(o, "trials", 20),
          integer(o, "lease-ms", 15_000), integer(o, "heartbeat-ms", 2_000), integer(o, "reap-ms", 1_000)));
        case "compare" -> write(out, "compare", new CompareBenchmark(bench).run(integer(o, "jobs", 50_000),
          integer(o, "concurrency", 16), integer(o, "producers", 64), integer(o, "warmup", 2_000),
          Path.of(o.getOrDefault("node-script", "target/bullmq-bench/bench.mjs"))));
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

  /** One run per slot count; a single count writes the same object as before, several an array and a table. */
  private static void throughput(Bench bench, Map<String, String> o, Path out) throws IOException {
    String[] slots = o.getOrDefault("slots", "32").split(",");
    if (slots.length == 1) {
      write(out, "throughput", new ThroughputBenchmark(bench)
        .run(integer(o, "jobs", 50_000), Integer.parseInt(slots[0].trim()), integer(o, "in-flight", 64)));
      return;
    }
    JsonArray results = new JsonArray();
    StringBuilder table = new StringBuilder("| worker slots | jobs | seconds | jobs/s submit-to-complete | submits/s (HTTP) |"
      + " Redis CPU µs/job | FCALLs/job |\n|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < slots.length; i++) {
      JsonObject r = new ThroughputBenchmark(bench, "throughput" + i)
        .run(integer(o, "jobs", 50_000), Integer.parseInt(slots[i].trim()), integer(o, "in-flight", 64));
      System.err.println(r.encode());
      results.add(r);
      table.append(String.format(java.util.Locale.ROOT, "| %d | %,d | %.1f | %,d | %,d | %d | %.2f |%n",
        r.getInteger("worker_slots"), r.getInteger("jobs"), r.getDouble("seconds"), r.getLong("jobs_per_second"),
        r.getLong("submits_per_second"), r.getLong("redis_cpu_us_per_job"), r.getDouble("redis_fcalls_per_job")));
    }
    Files.writeString(out.resolve("throughput.json"), results.encodePrettily());
    Files.writeString(out.resolve("throughput.md"), table.toString());
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
    System.err.println("usage: emp-bench claim|dispatch|throughput|idle|recovery|compare|simulate [--option value ...] (see BenchMain javadoc)");
    System.exit(2);
  }
}
