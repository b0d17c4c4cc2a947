package io.emp.bench;

import io.emp.api.ApiVerticle;
import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.JobSubmission;
import io.emp.core.store.BrokerStore;
import io.emp.worker.WorkerRole;
import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorRegistry;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * Dispatch latency: from the moment a client sends {@code POST /api/jobs} (and, separately, calls
 * {@code BrokerStore.submit} directly) to the moment a connector's {@code run} is called, with idle
 * workers waiting. The api and a worker role (W workers, 1 slot each,
 * a probe connector that records when it starts and returns at once) run in this JVM, so both ends
 * read the same clock. One job at a time; after each, the worker goes idle again before the next.
 */
final class DispatchBenchmark {
  private static final String TOKEN = "bench";
  private final Bench bench;
  private final Map<Integer, CompletableFuture<Long>> started = new ConcurrentHashMap<>();
  private int seq;

  DispatchBenchmark(Bench bench) {
    this.bench = bench;
  }

  JsonObject run(int workers, int jobs) {
    EnvConfig env = EnvConfig.of(Map.of(
      "EMP_REDIS_URL", bench.server().url(), "EMP_NAMESPACE", "dispatch", "EMP_API_PORT", "0",
      "EMP_API_TOKEN", TOKEN, "EMP_WORKERS", String.valueOf(workers), "EMP_CONNECTORS", "probe",
      "EMP_HEALTH_PORT", "-1", "EMP_MACHINE_ID", "bench", "EMP_CLAIM_POLL_MS", "30000"));
    ApiVerticle api = ApiVerticle.fromEnv(env);
    ConnectorRegistry probes = new ConnectorRegistry().register("probe", e -> "", (s, ce) -> new Probe());
    bench.await(bench.vertx().deployVerticle(api));
    bench.await(bench.vertx().deployVerticle(new WorkerRole(env, probes)));
    WebClient http = WebClient.create(bench.vertx());
    BrokerStore store = new BrokerStore(bench.redis(), new Keys("dispatch"));
    Histogram viaHttp = measure(jobs, n -> http.request(HttpMethod.POST, api.actualPort(), "127.0.0.1", "/api/jobs")
      .putHeader("Authorization", "Bearer " + TOKEN)
      .putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer(job(n).encode()))
      .expecting(HttpResponseExpectation.SC_CREATED)
      .mapEmpty());
    Histogram viaStore = measure(jobs, n -> store.submit(JobSubmission.fromJson(job(n), 1 << 20)).mapEmpty());
    http.close();
    return new JsonObject().put("idle_workers", workers).put("jobs", jobs)
      .put("http_submit_to_connector_start_us", ClaimBenchmark.percentiles(viaHttp))
      .put("store_submit_to_connector_start_us", ClaimBenchmark.percentiles(viaStore));
  }

  private static JsonObject job(int n) {
    return new JsonObject().put("service", "probe").put("payload", new JsonObject().put("n", n));
  }

  /** One job at a time (after 200 warm-up jobs): time from calling submit to the connector's start. */
  private Histogram measure(int jobs, IntFunction<Future<Void>> submit) {
    Histogram latency = new Histogram(60_000_000L, 3);
    for (int i = -200; i < jobs; i++) {
      sleep(20); // the worker that ran the previous job is idle again and blocked on its wake list
      int n = seq++;
      CompletableFuture<Long> start = new CompletableFuture<>();
      started.put(n, start);
      long t0 = System.nanoTime();
      bench.await(submit.apply(n));
      long t1 = waitFor(start);
      if (i >= 0) {
        latency.recordValue(Math.max(0, (t1 - t0) / 1_000));
      }
    }
    return latency;
  }

  private static long waitFor(CompletableFuture<Long> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("a job was not started within 10 s", e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Records when the worker hands it a job; completes at once. */
  private final class Probe implements Connector {
    @Override
    public String service() {
      return "probe";
    }

    @Override
    public Future<JobOutcome> run(JobContext job) {
      long now = System.nanoTime();
      CompletableFuture<Long> f = started.remove(job.payload().getInteger("n"));
      if (f != null) {
        f.complete(now);
      }
      return Future.succeededFuture(JobOutcome.success(new JsonObject()));
    }
  }
}
