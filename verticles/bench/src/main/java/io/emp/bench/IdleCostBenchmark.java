package io.emp.bench;

import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Map;

/**
 * Idle cost: W idle workers in one worker JVM; every Redis command the server executes during a
 * window (INFO commandstats: calls of all commands, including those run inside functions), divided
 * by workers and seconds.
 */
final class IdleCostBenchmark {
  private final Bench bench;

  IdleCostBenchmark(Bench bench) {
    this.bench = bench;
  }

  JsonObject run(int workers, int seconds) {
    try (WorkerJvm jvm = WorkerJvm.start(Map.of("EMP_REDIS_URL", bench.server().url(), "EMP_NAMESPACE", "idle",
      "EMP_WORKERS", String.valueOf(workers), "EMP_CONNECTORS", "simulation", "EMP_MACHINE_ID", "idle",
      "EMP_HEALTH_PORT", "-1"), () -> ThroughputBenchmark.registered(
        new io.emp.core.store.BrokerStore(bench.redis(), new io.emp.core.Keys("idle")), workers))) {
      sleep(5_000); // settle: every worker registered, claimed once and is blocked on its wake list
      long[] before = calls();
      sleep(seconds * 1_000L);
      long[] after = calls();
      long commands = after[0] - before[0] - 2; // minus our own INFO
      long top = after[1] - before[1] - 2;
      return new JsonObject().put("idle_workers", workers).put("seconds", seconds)
        .put("redis_commands_total", commands)
        .put("commands_per_worker_per_second", Math.round(commands * 100.0 / workers / seconds) / 100.0)
        .put("client_requests_per_worker_per_second", Math.round(top * 100.0 / workers / seconds) / 100.0);
    }
  }

  /** {all commands executed, commands sent by clients} — the latter excludes commands run inside FCALL. */
  private long[] calls() {
    Response info = bench.await(bench.redis().send(Request.cmd(Command.INFO).arg("commandstats")));
    long all = 0;
    long clients = 0;
    for (String line : info.toString().split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring(8, line.indexOf(':'));
      long calls = Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
      all += calls;
      if (name.startsWith("fcall") || name.equals("blpop") || name.equals("info") || name.equals("ping")) {
        clients += calls;
      }
    }
    return new long[] {all, clients};
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
