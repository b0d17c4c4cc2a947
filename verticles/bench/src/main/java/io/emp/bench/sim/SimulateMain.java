package io.emp.bench.sim;

import ch.qos.logback.classic.Level;
import io.emp.core.redis.RedisClients;
import io.emp.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * {@code emp-bench simulate <scenario.yaml> [--out target/sim] [--time-scale K] [--verbose true]}: starts
 * a private redis-server on a free port, runs the scenario ({@link FleetSimulator}) and writes
 * {@code report.md}, {@code report.html} and {@code report.json} to {@code <out>/<scenario name>/}.
 * Exits 1 when a job was lost or duplicated.
 */
public final class SimulateMain {
  private SimulateMain() {
  }

  public static int run(Path scenarioFile, Map<String, String> options) throws IOException {
    Scenario scenario = Scenario.load(scenarioFile);
    if (options.containsKey("time-scale")) {
      scenario = withTimeScale(scenario, Double.parseDouble(options.get("time-scale")));
    }
    if (!"true".equals(options.get("verbose"))) {
      quiet();
    }
    Path out = Path.of(options.getOrDefault("out", "target/sim")).resolve(scenario.name());
    Files.createDirectories(out);
    String machine = machine();
    Vertx vertx = Vertx.vertx();
    try (RedisServer server = RedisServer.start()) {
      Redis admin = RedisClients.create(vertx, server.url(), 8);
      String startedAt = DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0));
      long t0 = System.nanoTime();
      FleetSimulator sim = new FleetSimulator(vertx, admin, server.host(), server.port(), "sim", scenario);
      RunData data = sim.run();
      double realSeconds = (System.nanoTime() - t0) / 1e9;
      JsonObject numbers = ReportNumbers.compute(data, scenario.chartBucketMs());
      SimReport report = new SimReport(scenario, numbers, new SimReport.Meta(scenarioFile.toString(), startedAt,
        realSeconds, machine + ", redis-server " + redisVersion(), sim.timings()));
      Files.writeString(out.resolve("report.md"), report.markdown());
      Files.writeString(out.resolve("report.html"), report.html());
      Files.writeString(out.resolve("report.json"), report.json().encodePrettily());
      System.out.println(report.markdown());
      System.out.println("Reports: " + out.resolve("report.md") + ", " + out.resolve("report.html"));
      admin.close();
      JsonObject totals = numbers.getJsonObject("totals");
      return totals.getInteger("lost") == 0 && totals.getInteger("duplicated") == 0 ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
  }

  static Scenario withTimeScale(Scenario s, double k) {
    return new Scenario(s.name(), s.description(), s.durationMs(), k, s.seed(), s.drainMs(), s.tickMs(), s.chartBucketMs(),
      s.broker(), s.client(), s.modelRouting(), s.pools(), s.models(), s.machines(), s.jobs(), s.load(), s.bursts(),
      s.events(), s.routing());
  }

  /** Worker, api and router logs at WARN/ERROR: a preempted machine's failed reports are expected, not news. */
  static void quiet() {
    level("io.emp.worker", Level.ERROR);
    level("io.emp.core", Level.ERROR);
    level("io.emp.api", Level.WARN);
    level("io.emp.router", Level.WARN);
    // a preempted machine's command-stream reader loses its connection with the machine: expected
    level("io.emp.supervisor", Level.ERROR);
    level("io.vertx", Level.ERROR);
    level("io.netty", Level.ERROR);
    // a preempted machine's pooled connections die under it: expected, and reported per job anyway
    level("io.vertx.redis.client.impl.RedisConnectionManager", Level.OFF);
  }

  private static void level(String logger, Level level) {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(logger)).setLevel(level);
  }

  static String machine() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    long mem = os instanceof com.sun.management.OperatingSystemMXBean x ? x.getTotalMemorySize() : 0;
    return String.format(Locale.ROOT, "%d CPUs, %.0f GiB RAM, %s %s, Java %s, load average %.2f at start",
      Runtime.getRuntime().availableProcessors(), mem / (1024.0 * 1024 * 1024), os.getName(), os.getVersion(),
      System.getProperty("java.version"), os.getSystemLoadAverage());
  }

  private static String redisVersion() {
    try {
      Process p = new ProcessBuilder(RedisServer.locateBinary().toString(), "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(5, TimeUnit.SECONDS);
      int i = v.indexOf("v=");
      return i < 0 ? v : v.substring(i + 2, v.indexOf(' ', i));
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
