package io.emp.bench;

import io.emp.core.Keys;
import io.emp.core.model.JobSubmission;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * emp side by side with BullMQ: the same redis-server, the same number of no-op jobs, the same worker
 * concurrency, one consumer process each. Two measurements per system:
 * <ul>
 *   <li><b>e2e</b>: one warm consumer runs while {@code producers} concurrent producers submit N jobs
 *       one call each (emp: {@code BrokerStore.submit}, the function call the api makes; BullMQ:
 *       {@code queue.add}); first submit to last completion;</li>
 *   <li><b>drain</b>: N jobs are queued first, then the (warm) consumer starts consuming; until the last
 *       completion. emp's worker JVM is paused with SIGSTOP while the queue fills and resumed with
 *       SIGCONT; BullMQ starts a new Worker in its already-warm process.</li>
 * </ul>
 * The emp consumer is one worker JVM ({@code emp-worker.jar}, 1 worker with C slots, simulation
 * connector, zero-duration jobs); the BullMQ consumer is {@code scripts/bullmq-bench/bench.mjs} run by
 * the machine's node from {@code target/bullmq-bench} (installed by {@code scripts/bench.sh bullmq}).
 */
final class CompareBenchmark {
  private final Bench bench;

  CompareBenchmark(Bench bench) {
    this.bench = bench;
  }

  JsonObject run(int jobs, int concurrency, int producers, int warmup, Path nodeScript) throws IOException {
    double cpu0 = redisCpuSeconds();
    JsonObject emp = emp(jobs, concurrency, producers, warmup);
    double cpu1 = redisCpuSeconds();
    bench.await(bench.redis().send(Request.cmd(Command.FLUSHALL)));
    double cpu2 = redisCpuSeconds();
    JsonObject bull = bullmq(jobs, concurrency, producers, warmup, nodeScript);
    double cpu3 = redisCpuSeconds();
    // both runs process warmup + 2 x jobs jobs (warm-up, e2e, drain)
    long perRun = warmup + 2L * jobs;
    emp.put("redis_cpu_us_per_job", Math.round((cpu1 - cpu0) * 1e6 / perRun));
    bull.put("redis_cpu_us_per_job", Math.round((cpu3 - cpu2) * 1e6 / perRun));
    double e2eRatio = emp.getDouble("e2e_jobs_per_second") / bull.getDouble("e2e_jobs_per_second");
    double drainRatio = emp.getDouble("drain_jobs_per_second") / bull.getDouble("drain_jobs_per_second");
    return new JsonObject().put("jobs", jobs).put("concurrency", concurrency).put("producers", producers)
      .put("emp", emp).put("bullmq", bull)
      .put("ratio_e2e", Math.round(e2eRatio * 100) / 100.0).put("ratio_drain", Math.round(drainRatio * 100) / 100.0)
      .put("target_ratio", 1.2);
  }

  private JsonObject emp(int jobs, int concurrency, int producers, int warmup) {
    String ns = "compare";
    // one pooled connection per producer, as each BullMQ producer's add is its own in-flight command
    io.vertx.redis.client.Redis producerClient = io.emp.core.redis.RedisClients.create(bench.vertx(), bench.server().url(),
      producers);
    BrokerStore store = new BrokerStore(producerClient, new Keys(ns));
    Map<String, String> env = new HashMap<>(Map.of("EMP_REDIS_URL", bench.server().url(), "EMP_NAMESPACE", ns,
      "EMP_WORKERS", "1", "EMP_WORKER_SLOTS", String.valueOf(concurrency), "EMP_CONNECTORS", "simulation",
      "EMP_MACHINE_ID", "compare", "EMP_HEALTH_PORT", "-1", "EMP_REDIS_POOL_SIZE", "16", "EMP_LOG_LEVEL", "WARN"));
    try (WorkerJvm worker = WorkerJvm.start(env, () -> ThroughputBenchmark.registered(store, 1))) {
      submit(store, warmup, producers);
      awaitCompleted(store, warmup);
      long t0 = System.nanoTime();
      submit(store, jobs, producers);
      awaitCompleted(store, warmup + jobs);
      double e2e = (System.nanoTime() - t0) / 1e9;
      signal(worker.pid(), "STOP");
      submit(store, jobs, producers);
      long t1 = System.nanoTime();
      signal(worker.pid(), "CONT");
      awaitCompleted(store, warmup + 2L * jobs);
      double drain = (System.nanoTime() - t1) / 1e9;
      return new JsonObject().put("e2e_seconds", round(e2e)).put("e2e_jobs_per_second", Math.round(jobs / e2e))
        .put("drain_seconds", round(drain)).put("drain_jobs_per_second", Math.round(jobs / drain));
    } finally {
      bench.await(producerClient.close());
    }
  }

  private JsonObject bullmq(int jobs, int concurrency, int producers, int warmup, Path script) throws IOException {
    Process p = new ProcessBuilder(List.of("node", script.toString(), "--redis", bench.server().url(), "--jobs",
      String.valueOf(jobs), "--concurrency", String.valueOf(concurrency), "--producers", String.valueOf(producers),
      "--warmup", String.valueOf(warmup))).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("the BullMQ benchmark failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    String[] lines = out.split("\n");
    return new JsonObject(lines[lines.length - 1]);
  }

  private void submit(BrokerStore store, int n, int producers) {
    JsonObject body = new JsonObject().put("service", "simulation")
      .put("payload", new JsonObject().put("duration_ms", 0).put("steps", 0));
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    Promise<Void> all = Promise.promise();
    for (int i = 0; i < producers; i++) {
      bench.vertx().runOnContext(v -> chain(store, body, n, next, done, all));
    }
    bench.await(all.future());
  }

  private void chain(BrokerStore store, JsonObject body, int n, AtomicInteger next, AtomicInteger done,
                     Promise<Void> all) {
    if (next.getAndIncrement() >= n) {
      return;
    }
    Future<?> f = store.submit(JobSubmission.fromJson(body, 1 << 20));
    f.onComplete(ar -> {
      if (ar.failed()) {
        all.tryFail(ar.cause());
      } else if (done.incrementAndGet() == n) {
        all.tryComplete();
      } else {
        chain(store, body, n, next, done, all);
      }
    });
  }

  private void awaitCompleted(BrokerStore store, long n) {
    while (bench.await(bench.redis().send(Request.cmd(Command.ZCARD).arg(store.keys().prefix() + "idx:completed")))
      .toLong() < n) {
      sleep(2);
    }
  }

  /** used_cpu_sys + used_cpu_user of the redis-server process (INFO cpu). */
  private double redisCpuSeconds() {
    double total = 0;
    for (String line : bench.await(bench.redis().send(Request.cmd(Command.INFO).arg("cpu"))).toString().split("\\r?\\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return total;
  }

  private static void signal(long pid, String sig) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static double round(double d) {
    return Math.round(d * 100) / 100.0;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
