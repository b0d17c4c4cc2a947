package io.emp.worker.connector.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RestAsyncConnectorTest extends BrokerHarness {
  private FakeHttpServer fake;
  private final AtomicInteger polls = new AtomicInteger();

  @BeforeEach
  void startFake() {
    fake = new FakeHttpServer(vertx)
      .reply("GET /api/health", 200, "{}")
      .reply("POST /api/jobs", 202, "{\"id\":\"r1\",\"status\":\"queued\"}")
      .reply("POST /api/jobs/r1/cancel", 200, "{}")
      .start();
  }

  @AfterEach
  void stopFake() {
    fake.stop();
  }

  /** GET /api/jobs/r1 answers these bodies in turn, the last one for ever after. */
  private void statuses(String... bodies) {
    fake.on("GET /api/jobs/r1", (req, s) ->
      FakeHttpServer.json(req, 200, bodies[Math.min(polls.getAndIncrement(), bodies.length - 1)]));
  }

  private Map<String, String> asyncEnv(String... more) {
    Map<String, String> env = env("EMP_CONNECTORS", "rest_async", "EMP_REST_ASYNC_BASE_URL", fake.url() + "/api",
      "EMP_REST_ASYNC_POLL_MS", "50", "EMP_REST_ASYNC_POLL_MAX_MS", "200",
      "EMP_REST_ASYNC_CANCEL_PATH", "/jobs/{id}/cancel", "EMP_CONNECTOR_HEALTH_MS", "100");
    for (int i = 0; i + 1 < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  private JobOutcome runDirect(JsonObject payload, String... more) {
    RestAsyncConnector c = new RestAsyncConnector(RestAsyncSettings.from(EnvConfig.of(asyncEnv(more))), connectorEnv(0));
    try {
      return outcome(onContext(() -> c.run(jobContext("rest_async", payload))), 10_000);
    } finally {
      await(c.stop());
    }
  }

  private static JsonObject submitJobs() {
    return new JsonObject().put("path", "jobs").put("body", new JsonObject().put("prompt", "a cat"));
  }

  @Test
  @DisplayName("submit, poll with progress, complete with the result field; the cancel path is not called")
  void success() {
    statuses("{\"status\":\"running\",\"progress\":30}", "{\"status\":\"running\",\"progress\":60}",
      "{\"status\":\"completed\",\"result\":{\"url\":\"s3://out/1.png\"}}");
    deploy(asyncEnv());
    String id = submit("rest_async", submitJobs());
    Job job = awaitStatus(id, JobStatus.COMPLETED, 10_000);

    JsonObject result = new JsonObject(job.result());
    assertThat(result.getString("id")).isEqualTo("r1");
    assertThat(result.getString("status")).isEqualTo("completed");
    assertThat(result.getJsonObject("result").getString("url")).isEqualTo("s3://out/1.png");
    assertThat(new JsonObject(fake.seen("POST /api/jobs").get(0).body()).getString("prompt")).isEqualTo("a cat");
    List<String> reported = events(id, "job.progress").stream().map(e -> e.get("progress")).toList();
    assertThat(reported).as("live progress (the worker coalesces updates 250 ms apart)").containsAnyOf("30", "60");
    assertThat(reported.get(reported.size() - 1)).isEqualTo("100");
    assertThat(fake.seen("POST /api/jobs/r1/cancel")).isEmpty();
  }

  @Test
  @DisplayName("a remote failed state fails the job at once with the remote error, without polling until the timeout")
  void remoteFailureIsImmediate() {
    statuses("{\"status\":\"running\",\"progress\":10}", "{\"status\":\"failed\",\"error\":\"CUDA out of memory\"}");
    deploy(asyncEnv());
    long t0 = System.currentTimeMillis();
    String id = submit("rest_async", submitJobs(), "timeout_s", 60, "max_attempts", 3);
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    long took = System.currentTimeMillis() - t0;

    assertThat(took).as("ended long before the 60 s timeout").isLessThan(5_000);
    assertThat(job.error()).contains("CUDA out of memory").contains("r1");
    assertThat(job.failures()).as("a remote failure is not retried").isEqualTo(1);
    assertThat(polls.get()).isEqualTo(2);
  }

  @Test
  @DisplayName("a remote failure marked retryable: true is retryable")
  void retryableRemoteFailure() {
    statuses("{\"status\":\"error\",\"error\":{\"code\":\"busy\"},\"retryable\":true}");
    JobOutcome.Failure f = failure(runDirect(submitJobs()));
    assertThat(f.retryable()).isTrue();
    assertThat(f.message()).contains("busy");
  }

  @Test
  @DisplayName("submit: 5xx and connection errors are retryable, 4xx permanent; polls survive a transient 503")
  void statusClassification() {
    fake.reply("POST /api/broken", 503, "{}").reply("POST /api/invalid", 400, "{\"error\":\"no prompt\"}");
    assertThat(failure(runDirect(new JsonObject().put("path", "broken"))).retryable()).isTrue();
    JobOutcome.Failure invalid = failure(runDirect(new JsonObject().put("path", "invalid")));
    assertThat(invalid.retryable()).isFalse();
    assertThat(invalid.message()).contains("400").contains("no prompt");

    AtomicInteger n = new AtomicInteger();
    fake.on("GET /api/jobs/r1", (req, s) -> FakeHttpServer.json(req, n.getAndIncrement() == 0 ? 503 : 200,
      "{\"status\":\"done\",\"result\":42}"));
    assertThat(success(runDirect(submitJobs())).getInteger("result")).isEqualTo(42);

    fake.reply("GET /api/jobs/r1", 404, "{\"detail\":\"unknown job\"}");
    assertThat(failure(runDirect(submitJobs())).retryable()).isFalse();
  }

  @Test
  @DisplayName("a malformed submit or status answer is a failure, promptly")
  void malformed() {
    for (String body : List.of("not json", "[1,2]", "{\"progress\":5}")) {
      polls.set(0);
      statuses(body);
      JobOutcome.Failure f = failure(runDirect(submitJobs()));
      assertThat(f.message()).as(body).contains("malformed");
    }
    fake.reply("POST /api/jobs", 202, "{\"job\":\"r1\"}");
    assertThat(failure(runDirect(submitJobs())).message()).contains("malformed").contains("id");
  }

  @Test
  @DisplayName("field paths may be JSON pointers or dotted paths; progress on a 0-1 scale")
  void fieldPaths() {
    fake.reply("POST /api/jobs", 202, "{\"data\":{\"job_id\":\"r1\"}}");
    statuses("{\"data\":{\"state\":\"RUNNING\",\"pct\":0.5}}",
      "{\"data\":{\"state\":\"Succeeded\",\"outputs\":[{\"url\":\"u1\"}]}}");
    JsonObject result = success(runDirect(submitJobs(), "EMP_REST_ASYNC_ID_FIELD", "/data/job_id",
      "EMP_REST_ASYNC_STATE_FIELD", "data.state", "EMP_REST_ASYNC_PROGRESS_FIELD", "/data/pct",
      "EMP_REST_ASYNC_PROGRESS_SCALE", "1", "EMP_REST_ASYNC_RESULT_FIELD", "/data/outputs/0"));
    assertThat(result.getJsonObject("result").getString("url")).isEqualTo("u1");
    assertThat(progress).contains(50.0);
  }

  @Test
  @DisplayName("the submit path follows the same rules as rest: no absolute URL, no request made")
  void safeSubmitPath() {
    JobOutcome.Failure f = failure(runDirect(new JsonObject().put("path", "http://127.0.0.1:" + fake.port() + "/api/jobs")));
    assertThat(f.retryable()).isFalse();
    assertThat(f.message()).contains("bad request").contains("path");
    assertThat(fake.seen("POST /api/jobs")).isEmpty();
  }

  @Test
  @DisplayName("the worker's timeout stops polling, POSTs the cancel path and fails the job with reason timeout")
  void timeoutThroughTheWorker() {
    statuses("{\"status\":\"running\",\"progress\":5}");
    deploy(asyncEnv());
    String id = submit("rest_async", submitJobs(), "timeout_s", 0.8, "max_attempts", 1);
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.failReason()).isEqualTo("timeout");
    until("the cancel path was called", 5_000, () -> !fake.seen("POST /api/jobs/r1/cancel").isEmpty());
    int after = polls.get();
    sleep(500);
    assertThat(polls.get()).as("no polls after the job ended").isEqualTo(after);
  }

  @Test
  @DisplayName("cancelling a running job POSTs the cancel path and the job ends cancelled")
  void cancel() {
    statuses("{\"status\":\"running\",\"progress\":5}");
    deploy(asyncEnv());
    String id = submit("rest_async", submitJobs());
    until("polling", 10_000, () -> polls.get() > 0);
    awaitStatus(id, JobStatus.RUNNING, 5_000);
    assertThat(await(store.cancel(id))).isEqualTo("cancel_requested");
    awaitStatus(id, JobStatus.CANCELLED, 10_000);
    assertThat(fake.seen("POST /api/jobs/r1/cancel")).hasSize(1);
  }

  @Test
  @DisplayName("the backend going down withdraws the service; back up, it is restored and a queued job runs")
  void downAndUp() {
    statuses("{\"status\":\"done\",\"result\":\"ok\"}");
    // A restored service does not wake the worker: the queued job waits for the fallback claim.
    String worker = deploy(asyncEnv("EMP_CLAIM_POLL_MS", "200"));
    assertThat(services(worker)).containsExactly("rest_async");
    int port = fake.port();
    fake.stop();
    until("service withdrawn", 5_000, () -> services(worker).isEmpty());
    String id = submit("rest_async", submitJobs());
    sleep(300);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);
    fake.start(port);
    assertThat(new JsonObject(awaitStatus(id, JobStatus.COMPLETED, 10_000).result()).getString("result")).isEqualTo("ok");
  }

  @Test
  @DisplayName("settings: base URL required, status path needs {id}, done and failed states are disjoint")
  void settings() {
    assertThatThrownBy(() -> RestAsyncSettings.from(EnvConfig.of(Map.of())))
      .isInstanceOf(ConfigException.class).hasMessageContaining("EMP_REST_ASYNC_BASE_URL");
    assertThatThrownBy(() -> RestAsyncSettings.from(EnvConfig.of(Map.of("EMP_REST_ASYNC_BASE_URL", "http://x",
      "EMP_REST_ASYNC_STATUS_PATH", "/status")))).hasMessageContaining("EMP_REST_ASYNC_STATUS_PATH");
    assertThatThrownBy(() -> RestAsyncSettings.from(EnvConfig.of(Map.of("EMP_REST_ASYNC_BASE_URL", "http://x",
      "EMP_REST_ASYNC_FAILED_STATES", "done,failed")))).hasMessageContaining("FAILED_STATES");
    assertThatThrownBy(() -> RestAsyncSettings.from(EnvConfig.of(Map.of("EMP_REST_ASYNC_BASE_URL", "http://x",
      "EMP_REST_ASYNC_CANCEL_PATH", "http://other/cancel")))).hasMessageContaining("EMP_REST_ASYNC_CANCEL_PATH");
    RestAsyncSettings s = RestAsyncSettings.from(EnvConfig.of(Map.of("EMP_REST_ASYNC_BASE_URL", "http://x")));
    assertThat(s.service()).isEqualTo("rest_async");
    assertThat(s.pollMs()).isEqualTo(500);
    assertThat(s.pollMaxMs()).isEqualTo(5_000);
    assertThat(s.doneStates()).containsExactlyInAnyOrder("completed", "succeeded", "done");
    assertThat(s.failedStates()).containsExactlyInAnyOrder("failed", "error", "cancelled");
    assertThat(s.cancelPath()).isNull();
    assertThat(RestAsyncSettings.withId("/jobs/{id}", "a/b c")).isEqualTo("/jobs/a%2Fb%20c");
  }
}
