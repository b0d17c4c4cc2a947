package io.emp.bench;

import io.emp.api.ApiVerticle;
import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput, submit to complete: the api in this JVM, one worker JVM with S slots running
 * zero-duration simulation jobs, N jobs submitted over HTTP with C requests in flight. Reports jobs per
 * second from the first submit to the last completion, and the submit rate alone.
 */
final class ThroughputBenchmark {
  private static final String TOKEN = "bench";
  private final Bench bench;
  private final String ns;

  ThroughputBenchmark(Bench bench) {
    this(bench, "throughput");
  }

  /** {@code namespace}: one per run when several runs share the server and this JVM's api. */
  ThroughputBenchmark(Bench bench, String namespace) {
    this.bench = bench;
    this.ns = namespace;
  }

  JsonObject run(int jobs, int slots, int inFlight) {
    EnvConfig env = EnvConfig.of(Map.of("EMP_REDIS_URL", bench.server().url(), "EMP_NAMESPACE", ns,
      "EMP_API_PORT", "0", "EMP_API_TOKEN", TOKEN, "EMP_REDIS_POOL_SIZE", "32"));
    ApiVerticle api = ApiVerticle.fromEnv(env);
    String apiId = bench.await(bench.vertx().deployVerticle(api));
    BrokerStore store = new BrokerStore(bench.redis(), new Keys(ns));
    try (WorkerJvm worker = WorkerJvm.start(Map.of("EMP_REDIS_URL", bench.server().url(), "EMP_NAMESPACE", ns,
      "EMP_WORKERS", "1", "EMP_WORKER_SLOTS", String.valueOf(slots), "EMP_CONNECTORS", "simulation",
      "EMP_MACHINE_ID", "bench", "EMP_HEALTH_PORT", "-1", "EMP_REDIS_POOL_SIZE", "16", "EMP_LOG_LEVEL", "WARN"),
      () -> registered(store, 1))) {
      warmUp(api.actualPort(), store, 2_000, inFlight);
      long before = completed(store);
      double cpu0 = redisCpuSeconds();
      long fcalls0 = fcalls();
      long t0 = System.nanoTime();
      bench.await(submitAll(api.actualPort(), jobs, inFlight));
      double submitSeconds = (System.nanoTime() - t0) / 1e9;
      while (completed(store) - before < jobs) {
        sleep(5);
      }
      double totalSeconds = (System.nanoTime() - t0) / 1e9;
      double redisCpu = redisCpuSeconds() - cpu0;
      long fcalls = fcalls() - fcalls0;
      return new JsonObject()
        .put("redis_cpu_share_of_one_core", Math.round(redisCpu / totalSeconds * 100) / 100.0)
        .put("redis_fcalls_per_job", Math.round(fcalls * 100.0 / jobs) / 100.0)
        .put("redis_cpu_us_per_job", Math.round(redisCpu * 1e6 / jobs)).put("jobs", jobs).put("worker_slots", slots).put("http_in_flight", inFlight)
        .put("seconds", Math.round(totalSeconds * 100) / 100.0)
        .put("jobs_per_second", Math.round(jobs / totalSeconds))
        .put("submits_per_second", Math.round(jobs / submitSeconds));
    } finally {
      bench.await(bench.vertx().undeploy(apiId));
    }
  }

  private double redisCpuSeconds() {
    String info = bench.await(bench.redis().send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.INFO)
      .arg("cpu"))).toString();
    double total = 0;
    for (String line : info.split("\\r?\\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return total;
  }

  private long fcalls() {
    String info = bench.await(bench.redis().send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.INFO)
      .arg("commandstats"))).toString();
    long n = 0;
    for (String line : info.split("\\r?\\n")) {
      if (line.startsWith("cmdstat_fcall")) {
        n += Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
      }
    }
    return n;
  }

  static boolean registered(BrokerStore store, int workers) {
    try {
      var list = store.workers(null).toCompletionStage().toCompletableFuture().get();
      return list.stream().filter(w -> "online".equals(((JsonObject) w).getString("status"))).count() >= workers;
    } catch (Exception e) {
      return false;
    }
  }

  private void warmUp(int port, BrokerStore store, int n, int inFlight) {
    long before = completed(store);
    bench.await(submitAll(port, n, inFlight));
    while (completed(store) - before < n) {
      sleep(5);
    }
  }

  /** Completed jobs, from the status index (one cheap ZCARD; emp_stats would load Redis while we measure). */
  private long completed(BrokerStore store) {
    return bench.await(bench.redis().send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.ZCARD)
      .arg(store.keys().prefix() + "idx:completed"))).toLong();
  }

  /** Submits {@code n} jobs keeping {@code inFlight} requests open. */
  private Future<Void> submitAll(int port, int n, int inFlight) {
    WebClient http = WebClient.wrap(bench.vertx().createHttpClient(new io.vertx.core.http.HttpClientOptions(),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(inFlight)));
    Buffer body = Buffer.buffer(new JsonObject().put("service", "simulation")
      .put("payload", new JsonObject().put("duration_ms", 0).put("steps", 0)).encode());
    AtomicInteger next = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    AtomicInteger finished = new AtomicInteger();
    for (int i = 0; i < inFlight; i++) {
      chain(http, port, body, n, next, finished, done);
    }
    return done.future().onComplete(ar -> http.close());
  }

  private void chain(WebClient http, int port, Buffer body, int n, AtomicInteger next, AtomicInteger finished,
                     Promise<Void> done) {
    if (next.getAndIncrement() >= n) {
      return;
    }
    http.request(HttpMethod.POST, port, "127.0.0.1", "/api/jobs")
      .putHeader("Authorization", "Bearer " + TOKEN)
      .putHeader("Content-Type", "application/json")
      .sendBuffer(body)
      .expecting(HttpResponseExpectation.SC_CREATED)
      .onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        if (finished.incrementAndGet() == n) {
          done.tryComplete();
        } else {
          chain(http, port, body, n, next, finished, done);
        }
      });
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
