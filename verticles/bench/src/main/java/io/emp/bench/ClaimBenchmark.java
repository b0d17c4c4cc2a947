package io.emp.bench;

import io.emp.core.Keys;
import io.emp.core.Ulid;
import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobSubmission;
import io.emp.core.model.WorkerCapabilities;
import io.emp.core.store.BrokerStore;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Claim latency versus queue depth, and Redis memory per queued job.
 *
 * <p>For each depth N: N jobs with a 200-byte payload spread evenly over S signatures (a custom
 * {@code lane} requirement each). The claiming worker matches only lane {@code L00}, whose jobs have
 * the lowest priority and are the oldest — the worst case for a scan-based matcher, which would have
 * to walk past every other job. Each measured claim is followed (untimed) by completing the job and
 * submitting a replacement, so the depth stays N. Client round trip is timed here; server time is
 * the growth of Redis's own FCALL time counter ({@code INFO commandstats}) across each call, so it
 * is exact and includes every command the function runs.
 */
final class ClaimBenchmark {
  private static final int PAYLOAD_BYTES = 200;
  private static final String WORKER = "bench-worker-0";

  private final Bench bench;
  private final int signatures;
  private final int claims;

  ClaimBenchmark(Bench bench, int signatures, int claims) {
    this.bench = bench;
    this.signatures = signatures;
    this.claims = claims;
  }

  JsonObject run(long depth) {
    Redis redis = bench.redis();
    bench.await(redis.send(Request.cmd(Command.FLUSHALL)));
    bench.await(bench.loadLibrary());
    Keys keys = new Keys("bench");
    BrokerStore store = new BrokerStore(redis, keys);
    bench.await(store.configure(Map.of("lease_ms", 600_000)));
    long baseline = usedMemory(redis);

    long t0 = System.nanoTime();
    fill(redis, keys, depth);
    double fillSeconds = (System.nanoTime() - t0) / 1e9;
    long filled = usedMemory(redis);
    JsonObject memory = memory(redis, keys, depth, filled - baseline);

    bench.await(store.registerWorker(WORKER, "bench", new WorkerCapabilities(
      new JsonObject().put("services", List.of("comfyui")).put("lane", "L00")), 4, null));
    measureClaims(redis, store, keys, 200); // warm-up: JIT, match cache
    JsonObject latency = measureClaims(redis, store, keys, claims);
    return new JsonObject()
      .put("depth", depth)
      .put("signatures", signatures)
      .put("fill_seconds", round(fillSeconds))
      .put("submits_per_second", Math.round(depth / fillSeconds))
      .put("claim", latency)
      .put("memory", memory);
  }

  private void fill(Redis redis, Keys keys, long depth) {
    Ulid ids = new Ulid();
    String payload = payload();
    long perLane = depth / signatures;
    List<Request> batch = new ArrayList<>(1_000);
    // lane L00 first (oldest) at priority 0 (lowest); the other lanes later and ranked higher
    for (int lane = 0; lane < signatures; lane++) {
      String spec = spec(lane, lane == 0 ? 0 : 50 + lane % 50).encode();
      long count = lane == signatures - 1 ? depth - perLane * (signatures - 1) : perLane;
      for (long i = 0; i < count; i++) {
        batch.add(submit(keys, ids.next(), spec, payload));
        if (batch.size() == 1_000) {
          bench.await(redis.batch(batch));
          batch = new ArrayList<>(1_000);
        }
      }
    }
    if (!batch.isEmpty()) {
      bench.await(redis.batch(batch));
    }
  }

  private JsonObject measureClaims(Redis redis, BrokerStore store, Keys keys, int n) {
    Histogram client = new Histogram(3_600_000_000L, 3);
    Histogram server = new Histogram(3_600_000_000L, 3);
    Histogram completeServer = new Histogram(3_600_000_000L, 3);
    Histogram submitServer = new Histogram(3_600_000_000L, 3);
    Ulid ids = new Ulid();
    String replacement = spec(0, 0).encode();
    for (int i = 0; i < n; i++) {
      long before = fcallMicros(redis);
      long start = System.nanoTime();
      List<ClaimedJob> got = bench.await(store.claim(WORKER, 1, false));
      client.recordValue((System.nanoTime() - start) / 1_000);
      long afterClaim = fcallMicros(redis);
      server.recordValue(afterClaim - before);
      if (got.size() != 1) {
        throw new IllegalStateException("claim returned " + got.size() + " jobs at iteration " + i);
      }
      ClaimedJob c = got.get(0);
      bench.await(store.complete(c.id(), WORKER, c.token(), ""));
      long afterComplete = fcallMicros(redis);
      completeServer.recordValue(afterComplete - afterClaim);
      bench.await(redis.send(submit(keys, ids.next(), replacement, payload())));
      submitServer.recordValue(fcallMicros(redis) - afterComplete);
    }
    return new JsonObject()
      .put("claims", n)
      .put("client_us", percentiles(client))
      .put("server_us", percentiles(server))
      .put("complete_server_us", percentiles(completeServer))
      .put("submit_server_us", percentiles(submitServer));
  }

  /** Total microseconds Redis has spent in FCALL so far (INFO commandstats): exact server time per call. */
  private long fcallMicros(Redis redis) {
    Response info = bench.await(redis.send(Request.cmd(Command.INFO).arg("commandstats")));
    for (String line : info.toString().split("\\r?\\n")) {
      if (line.startsWith("cmdstat_fcall:")) {
        for (String part : line.substring("cmdstat_fcall:".length()).split(",")) {
          if (part.startsWith("usec=")) {
            return Long.parseLong(part.substring(5));
          }
        }
      }
    }
    return 0;
  }

  private JsonObject memory(Redis redis, Keys keys, long depth, long delta) {
    long events = memoryUsage(redis, keys.events());
    long perJob = Math.round((double) delta / depth) - PAYLOAD_BYTES;
    long perJobWithoutEvents = Math.round((double) (delta - events) / depth) - PAYLOAD_BYTES;
    return new JsonObject()
      .put("used_memory_delta_bytes", delta)
      .put("events_stream_bytes", events)
      .put("bytes_per_job_beyond_payload", perJob)
      .put("bytes_per_job_beyond_payload_excluding_events", perJobWithoutEvents);
  }

  private long memoryUsage(Redis redis, String key) {
    Response r = bench.await(redis.send(Request.cmd(Command.MEMORY).arg("USAGE").arg(key).arg("SAMPLES").arg(0)));
    return r == null ? 0 : r.toLong();
  }

  private long usedMemory(Redis redis) {
    Response info = bench.await(redis.send(Request.cmd(Command.INFO).arg("memory")));
    for (String line : info.toString().split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    throw new IllegalStateException("INFO memory has no used_memory");
  }

  private JsonObject spec(int lane, int priority) {
    return JobSubmission.fromJson(new JsonObject()
      .put("service", "comfyui")
      .put("priority", priority)
      .put("requirements", new JsonObject().put("lane", String.format("L%02d", lane))), 1 << 20)
      .specJson();
  }

  private static Request submit(Keys keys, String id, String spec, String payload) {
    return Request.cmd(Command.FCALL).arg("emp_submit").arg(1).arg(keys.prefix()).arg(id).arg(spec).arg(payload);
  }

  private static String payload() {
    // {"prompt":"xxx..."} of exactly PAYLOAD_BYTES bytes
    return "{\"prompt\":\"" + "x".repeat(PAYLOAD_BYTES - 13) + "\"}";
  }

  static JsonObject percentiles(Histogram h) {
    return new JsonObject()
      .put("count", h.getTotalCount())
      .put("p50", h.getValueAtPercentile(50))
      .put("p90", h.getValueAtPercentile(90))
      .put("p99", h.getValueAtPercentile(99))
      .put("max", h.getMaxValue());
  }

  private static double round(double d) {
    return Math.round(d * 10) / 10.0;
  }
}
