package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorRegistry;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Worker roles running simulation jobs end to end against a real Redis. */
class WorkerJobsTest extends WorkerTestBase {

  @Test
  @DisplayName("submitted jobs are run by the workers and complete with their results stored")
  void jobsComplete() {
    Deployed d = deploy(env("EMP_WORKERS", "2"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(submit(new JsonObject().put("duration_ms", 50).put("steps", 2).put("result_bytes", 64)));
    }
    for (String id : ids) {
      Job job = awaitStatus(id, JobStatus.COMPLETED, 15_000);
      JsonObject result = new JsonObject(job.result());
      assertThat(result.getBoolean("ok")).isTrue();
      assertThat(result.getString("data")).hasSize(64);
      assertThat(d.role().workerIds()).contains(result.getString("worker"));
      assertThat(job.progress()).isEqualTo(100.0);
      assertThat(job.failures()).isZero();
      assertThat(events(id, "job.running")).as("progress 0 moved it to running").hasSize(1);
    }
    assertThat(d.role().workerIds()).containsExactly("m1-worker-0", "m1-worker-1");
  }

  @Test
  @DisplayName("a worker registers its services, connector models, pool and extra capabilities")
  void capabilities() {
    Deployed d = deploy(env("EMP_POOL", "fast", "EMP_WORKER_SLOTS", "2",
      "EMP_WORKER_CAPABILITIES", "{\"hardware\":{\"gpu_memory_gb\":24},\"models\":{\"comfyui\":[\"sdxl\"]},\"tier\":\"spot\"}"));
    JsonObject w = workerInfo(d.worker());
    assertThat(w.getString("state")).isEqualTo("active");
    assertThat(w.getInteger("slots")).isEqualTo(2);
    JsonObject caps = w.getJsonObject("capabilities");
    assertThat(caps.getJsonArray("services")).isEqualTo(new JsonArray().add("simulation"));
    assertThat(caps.getString("pool")).isEqualTo("fast");
    assertThat(caps.getString("machine_id")).isEqualTo("m1");
    assertThat(caps.getJsonObject("models").getJsonArray("simulation").getList()).containsExactly("sim-model");
    assertThat(caps.getJsonObject("models").getJsonArray("comfyui").getList()).containsExactly("sdxl");
    assertThat(caps.getJsonObject("hardware").getInteger("gpu_memory_gb")).isEqualTo(24);
    assertThat(caps.getString("tier")).isEqualTo("spot");

    String fast = submitBody(new JsonObject().put("service", "simulation").put("pool", "fast")
      .put("requirements", new JsonObject().put("hardware", new JsonObject().put("gpu_memory_gb", 16))));
    awaitStatus(fast, JobStatus.COMPLETED, 15_000);
  }

  @Test
  @DisplayName("an idle worker starts a new job through its wake list, not the 30 s poll")
  void wakeUp() {
    Deployed d = deploy(env("EMP_CLAIM_POLL_MS", "30000"));
    until("the worker is idle", 10_000, () -> Boolean.TRUE.equals(workerInfo(d.worker()).getBoolean("idle")));
    String id = submit(new JsonObject().put("duration_ms", 10));
    // Only the wake-up can explain this: the next poll is 30 s away.
    awaitStatus(id, JobStatus.COMPLETED, 10_000);
    // And it goes idle again, ready for the next wake-up.
    until("the worker is idle again", 10_000, () -> Boolean.TRUE.equals(workerInfo(d.worker()).getBoolean("idle")));
    String second = submit(new JsonObject().put("duration_ms", 10));
    awaitStatus(second, JobStatus.COMPLETED, 10_000);
  }

  @Test
  @DisplayName("a worker with 3 slots runs 3 jobs at once, never 4")
  void slots() {
    Deployed d = deploy(env("EMP_WORKER_SLOTS", "3", "EMP_CLAIM_POLL_MS", "30000"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(submit(new JsonObject().put("duration_ms", 600).put("steps", 1)));
    }
    ids.forEach(id -> awaitStatus(id, JobStatus.COMPLETED, 20_000));

    // Replay the worker's assignments and completions in stream order.
    int running = 0;
    int max = 0;
    for (Map<String, String> e : events()) {
      if ("job.assigned".equals(e.get("type")) && d.worker().equals(e.get("worker"))) {
        max = Math.max(max, ++running);
      } else if ("job.completed".equals(e.get("type"))) {
        running--;
      }
    }
    assertThat(max).isEqualTo(3);
  }

  @Test
  @DisplayName("progress of parallel jobs reaches the broker for each job, throttled, ending at 100 %")
  void parallelProgress() {
    deploy(env("EMP_WORKER_SLOTS", "2"));
    String a = submit(new JsonObject().put("duration_ms", 1000).put("steps", 100));
    String b = submit(new JsonObject().put("duration_ms", 1000).put("steps", 100));
    awaitStatus(a, JobStatus.COMPLETED, 15_000);
    awaitStatus(b, JobStatus.COMPLETED, 15_000);
    for (String id : List.of(a, b)) {
      List<Map<String, String>> updates = events(id, "job.progress");
      // 100 steps in about a second (timers drift on a loaded machine): at most one update per 250 ms
      // gets through, plus the final 100 %.
      Job done = job(id);
      long ranMs = done.finishedAt() - done.startedAt();
      assertThat(updates.size()).as("progress events of %s over %d ms", id, ranMs).isBetween(2, (int) (ranMs / 250) + 2);
      assertThat(updates.get(updates.size() - 1).get("progress")).isEqualTo("100");
    }
  }

  @Test
  @DisplayName("a failing job is retried with backoff, then failed after max_attempts")
  void retries() {
    await(store.configure(Map.of("retry_avoid_ms", 0)));
    deploy(env("EMP_CLAIM_POLL_MS", "200"));
    String id = submitBody(new JsonObject().put("service", "simulation").put("max_attempts", 2)
      .put("backoff", new JsonObject().put("base_ms", 100).put("factor", 1).put("cap_ms", 100))
      .put("payload", new JsonObject().put("fail", true).put("duration_ms", 10)));
    Job job = awaitStatus(id, JobStatus.FAILED, 15_000);
    assertThat(job.failures()).isEqualTo(2);
    assertThat(job.error()).contains("simulated failure");
    assertThat(events(id, "job.retry_scheduled")).hasSize(1);
    assertThat(events(id, "job.assigned")).hasSize(2);
  }

  @Test
  @DisplayName("an invalid payload fails the job at once, without retries")
  void invalidPayload() {
    deploy(env());
    String id = submitBody(new JsonObject().put("service", "simulation").put("max_attempts", 5)
      .put("payload", new JsonObject().put("duration_ms", "x")));
    Job job = awaitStatus(id, JobStatus.FAILED, 15_000);
    assertThat(job.failures()).isEqualTo(1);
    assertThat(job.failReason()).isEqualTo("not_retryable");
    assertThat(job.error()).contains("duration_ms");
  }

  @Test
  @DisplayName("cancelling a running job stops its connector and the job ends cancelled, via the control list")
  void cancelRunning() {
    // Heartbeats 20 s apart: only the control-list notice can deliver the cancel in time.
    Deployed d = deploy(env("EMP_HEARTBEAT_MS", "20000", "EMP_LEASE_MS", "60000"));
    String id = submit(new JsonObject().put("duration_ms", 30_000).put("steps", 300));
    awaitStatus(id, JobStatus.RUNNING, 10_000);
    until("progress was reported", 10_000, () -> job(id).progress() > 0);
    double cancelledBefore = WorkerMetrics.INSTANCE.jobs("simulation", "cancelled");
    assertThat(await(store.cancel(id))).isEqualTo("cancel_requested");

    Job job = awaitStatus(id, JobStatus.CANCELLED, 10_000);
    assertThat(job.progress()).isLessThan(100);
    assertThat(job.result()).isNull();
    // counted once the runner has finished, after Redis answered the report the status poll saw
    until("the cancel was counted", 5_000, () -> WorkerMetrics.INSTANCE.jobs("simulation", "cancelled") > cancelledBefore);
    // The slot is free again.
    String next = submit(new JsonObject().put("duration_ms", 10));
    awaitStatus(next, JobStatus.COMPLETED, 10_000);
    assertThat(new JsonObject(job(next).result()).getString("worker")).isEqualTo(d.worker());
  }

  @Test
  @DisplayName("a job past its local timeout is stopped and failed retryably, with reason timeout when it ends the job")
  void localTimeout() {
    deploy(env());
    String id = submitBody(new JsonObject().put("service", "simulation").put("max_attempts", 1).put("timeout_s", 0.3)
      .put("payload", new JsonObject().put("duration_ms", 30_000)));
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.error()).contains("timed out");
    assertThat(job.failReason()).isEqualTo("timeout");
  }

  @Test
  @DisplayName("a connector that throws fails the attempt retryably, and the worker keeps working")
  void connectorThrows() {
    ConnectorRegistry registry = ConnectorRegistry.defaults()
      .register("exploding", env -> "boom", (message, e) -> new Connector() {
        @Override
        public String service() {
          return "exploding";
        }

        @Override
        public Future<JobOutcome> run(JobContext job) {
          throw new IllegalStateException(message);
        }
      });
    deploy(env("EMP_CONNECTORS", "simulation,exploding"), registry);
    String bad = submitBody(new JsonObject().put("service", "exploding").put("max_attempts", 1));
    Job job = awaitStatus(bad, JobStatus.FAILED, 10_000);
    assertThat(job.error()).contains("boom");
    assertThat(job.failReason()).isEqualTo("max_attempts");
    String good = submit(new JsonObject().put("duration_ms", 10));
    awaitStatus(good, JobStatus.COMPLETED, 10_000);
  }

  @Test
  @DisplayName("many jobs over several workers with several slots each complete exactly once")
  void manyJobs() {
    deploy(env("EMP_WORKERS", "3", "EMP_WORKER_SLOTS", "2"));
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      ids.add(submit(new JsonObject().put("duration_ms", 20).put("steps", 1)));
    }
    ids.forEach(id -> awaitStatus(id, JobStatus.COMPLETED, 30_000));
    Map<String, Integer> completions = new HashMap<>();
    events().stream().filter(e -> "job.completed".equals(e.get("type")))
      .forEach(e -> completions.merge(e.get("job"), 1, Integer::sum));
    assertThat(completions).hasSize(30);
    assertThat(completions.values()).containsOnly(1);
  }
}
