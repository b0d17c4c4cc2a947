package io.emp.bench;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.Job;
import io.emp.core.model.JobSubmission;
import io.emp.core.store.BrokerStore;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * Recovery after kill -9: two worker JVMs (1 worker, 1 slot each) and the router (reaper) against a
 * real Redis. Each trial submits a long simulation job, waits until it runs, sends SIGKILL to the
 * worker JVM running it at a random point of its heartbeat cycle, and measures the time until the job
 * is running on the other worker ({@code started_at} of the new attempt, Redis time, same host
 * clock). The job is then cancelled and the killed JVM replaced. The bound is the lease: a dead
 * worker's lease runs out at most {@code EMP_LEASE_MS} after its last heartbeat, the reaper notices
 * within {@code EMP_REAP_INTERVAL_MS}, and the requeue wakes the idle worker at once.
 */
final class RecoveryBenchmark {
  private final Bench bench;
  private final Random random = new Random(1);
  private int machines;

  RecoveryBenchmark(Bench bench) {
    this.bench = bench;
  }

  JsonObject run(int trials, long leaseMs, long heartbeatMs, long reapMs) {
    String ns = "recovery";
    EnvConfig env = EnvConfig.of(Map.of("EMP_REDIS_URL", bench.server().url(), "EMP_NAMESPACE", ns,
      "EMP_HEALTH_PORT", "-1", "EMP_REAP_INTERVAL_MS", String.valueOf(reapMs)));
    bench.await(bench.vertx().deployVerticle(new RouterVerticle(RouterConfig.from(env))));
    BrokerStore store = new BrokerStore(bench.redis(), new Keys(ns));
    Map<String, WorkerJvm> jvms = new HashMap<>();
    Histogram h = new Histogram(3_600_000L, 3);
    JsonArray samples = new JsonArray();
    try {
      while (jvms.size() < 2) {
        start(jvms, store, leaseMs, heartbeatMs);
      }
      for (int i = 0; i < trials; i++) {
        long ms = trial(store, jvms, heartbeatMs);
        h.recordValue(ms);
        samples.add(ms);
        System.err.printf("recovery trial %d/%d: %d ms%n", i + 1, trials, ms);
        start(jvms, store, leaseMs, heartbeatMs);
      }
    } finally {
      jvms.values().forEach(WorkerJvm::close);
    }
    long p99 = h.getValueAtPercentile(99);
    return new JsonObject().put("trials", trials).put("lease_ms", leaseMs).put("heartbeat_ms", heartbeatMs)
      .put("reap_interval_ms", reapMs).put("recovery_ms", ClaimBenchmark.percentiles(h)
        .put("min", h.getMinValue()).put("mean", Math.round(h.getMean())))
      .put("target_p99_ms", 2 * leaseMs).put("target_met", p99 <= 2 * leaseMs).put("samples_ms", samples);
  }

  /** One kill: returns milliseconds from SIGKILL to the job running on the other worker. */
  private long trial(BrokerStore store, Map<String, WorkerJvm> jvms, long heartbeatMs) {
    String id = bench.await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "simulation")
      .put("payload", new JsonObject().put("duration_ms", 600_000).put("steps", 0)), 1 << 20))).id();
    Job running = waitFor(store, id, j -> "running".equals(j.status().wire()), 30_000);
    String victim = running.worker();
    sleep(random.nextInt((int) heartbeatMs)); // a random point of the victim's heartbeat cycle
    String machine = victim.substring(0, victim.lastIndexOf("-worker-"));
    WorkerJvm jvm = jvms.remove(machine);
    long killedAt = System.currentTimeMillis();
    jvm.kill9();
    Job moved = waitFor(store, id, j -> "running".equals(j.status().wire()) && j.worker() != null
      && !j.worker().equals(victim) && j.startedAt() != null, 120_000);
    long ms = moved.startedAt() - killedAt;
    bench.await(store.cancel(id));
    waitFor(store, id, j -> j.status().wire().equals("cancelled"), 30_000);
    jvm.close();
    return Math.max(0, ms);
  }

  private void start(Map<String, WorkerJvm> jvms, BrokerStore store, long leaseMs, long heartbeatMs) {
    String machine = "rec-" + (++machines);
    Map<String, String> env = new HashMap<>(Map.of("EMP_REDIS_URL", bench.server().url(), "EMP_NAMESPACE", "recovery",
      "EMP_MACHINE_ID", machine, "EMP_WORKERS", "1", "EMP_WORKER_SLOTS", "1", "EMP_CONNECTORS", "simulation",
      "EMP_HEALTH_PORT", "-1", "EMP_LEASE_MS", String.valueOf(leaseMs), "EMP_HEARTBEAT_MS", String.valueOf(heartbeatMs),
      "EMP_RUNNING_MARK_MS", "0"));
    env.put("EMP_LOG_LEVEL", "WARN");
    int before = jvms.size();
    jvms.put(machine, WorkerJvm.start(env, () -> online(store, machine)));
    if (jvms.size() == before) {
      throw new IllegalStateException("machine id reused: " + machine);
    }
  }

  private boolean online(BrokerStore store, String machine) {
    try {
      JsonArray ws = store.workers(machine).toCompletionStage().toCompletableFuture().get();
      return ws.stream().anyMatch(w -> "online".equals(((JsonObject) w).getString("status")));
    } catch (Exception e) {
      return false;
    }
  }

  private Job waitFor(BrokerStore store, String id, java.util.function.Predicate<Job> ok, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    List<String> seen = new ArrayList<>();
    while (System.currentTimeMillis() < deadline) {
      Job j = bench.await(store.getJob(id));
      if (ok.test(j)) {
        return j;
      }
      seen.add(j.status().wire());
      sleep(2);
    }
    throw new IllegalStateException("job " + id + " did not reach the expected state within " + timeoutMs + " ms; last "
      + (seen.isEmpty() ? "-" : seen.get(seen.size() - 1)));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
