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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RestSyncConnectorTest extends BrokerHarness {
  private FakeHttpServer fake;

  @BeforeEach
  void startFake() {
    fake = new FakeHttpServer(vertx).reply("GET /api/health", 200, "{}").start();
  }

  @AfterEach
  void stopFake() {
    fake.stop();
  }

  private Map<String, String> restEnv(String... more) {
    Map<String, String> env = env("EMP_CONNECTORS", "rest", "EMP_REST_BASE_URL", fake.url() + "/api",
      "EMP_REST_AUTH", "bearer:s3cret", "EMP_CONNECTOR_HEALTH_MS", "100");
    for (int i = 0; i + 1 < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  private RestSyncConnector connector() {
    return new RestSyncConnector(RestSettings.from(EnvConfig.of(restEnv("EMP_REST_TIMEOUT_S", "2"))), connectorEnv(0));
  }

  private JobOutcome runDirect(JsonObject payload) {
    RestSyncConnector c = connector();
    try {
      return outcome(onContext(() -> c.run(jobContext("rest", payload))), 10_000);
    } finally {
      await(c.stop());
    }
  }

  private List<FakeHttpServer.Seen> nonHealth() {
    return fake.seen().stream().filter(s -> !s.path().equals("/api/health")).toList();
  }

  @Test
  @DisplayName("a job calls the backend below the base URL with its method, query, headers, body and the configured auth")
  void success() {
    fake.on("PUT /api/items/7", (req, seen) -> vertx.setTimer(300, t -> req.response()
      .putHeader("Content-Type", "application/json").putHeader("X-Request-Id", "r-1").putHeader("Set-Cookie", "a=b")
      .end("{\"ok\":true,\"echo\":" + seen.body() + "}")));
    deploy(restEnv());
    String id = submit("rest", new JsonObject().put("method", "PUT").put("path", "items/7")
      .put("query", new JsonObject().put("q", "a b").put("n", 2))
      .put("headers", new JsonObject().put("X-Trace", "t1"))
      .put("body", new JsonObject().put("x", 1)));

    Job job = awaitStatus(id, JobStatus.COMPLETED, 10_000);
    JsonObject result = new JsonObject(job.result());
    assertThat(result.getInteger("status")).isEqualTo(200);
    assertThat(result.getJsonObject("body").getBoolean("ok")).isTrue();
    assertThat(result.getJsonObject("body").getJsonObject("echo")).isEqualTo(new JsonObject().put("x", 1));
    assertThat(result.getJsonObject("headers").getString("x-request-id")).isEqualTo("r-1");
    assertThat(result.getJsonObject("headers").containsKey("set-cookie")).as("only selected headers").isFalse();

    FakeHttpServer.Seen seen = fake.seen("PUT /api/items/7").get(0);
    assertThat(seen.query()).isEqualTo("q=a%20b&n=2");
    assertThat(seen.headers().get("Authorization")).isEqualTo("Bearer s3cret");
    assertThat(seen.headers().get("X-Trace")).isEqualTo("t1");
    assertThat(seen.headers().get("Content-Type")).isEqualTo("application/json");
    List<Map<String, String>> updates = events(id, "job.progress");
    assertThat(updates).isNotEmpty();
    assertThat(updates.get(updates.size() - 1).get("progress")).isEqualTo("100");
  }

  @Test
  @DisplayName("a payload naming an absolute URL, another host or '..' fails permanently and no request leaves the worker")
  void pathsStayBelowTheBaseUrl() {
    deploy(restEnv());
    List<String> paths = List.of(fake.url() + "/api/items", "http://169.254.169.254/latest/meta-data",
      "//evil.example/x", "../admin", "items/../../admin", "%2e%2e/admin");
    for (String path : paths) {
      String id = submit("rest", new JsonObject().put("method", "GET").put("path", path), "max_attempts", 3);
      Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
      assertThat(job.failures()).as(path).isEqualTo(1);
      assertThat(job.failReason()).as(path).isEqualTo("not_retryable");
      assertThat(job.error()).as(path).contains("bad request").contains("path");
    }
    assertThat(nonHealth()).as("requests other than health probes").isEmpty();
  }

  @Test
  @DisplayName("payload headers may not override Host, Authorization or framing headers; a bad method is refused")
  void reservedHeaders() {
    for (String name : List.of("Host", "authorization", "Content-Length", "Transfer-Encoding")) {
      JobOutcome.Failure f = failure(runDirect(new JsonObject().put("headers", new JsonObject().put(name, "x"))));
      assertThat(f.retryable()).isFalse();
      assertThat(f.message()).contains("headers").contains(name);
    }
    JobOutcome.Failure f = failure(runDirect(new JsonObject().put("method", "TRACE")));
    assertThat(f.message()).contains("method");
    assertThat(failure(runDirect(new JsonObject().put("method", "GET").put("body", "x"))).message()).contains("body");
    assertThat(nonHealth()).isEmpty();
  }

  @Test
  @DisplayName("5xx, 429 and connection errors are retryable; 4xx and redirects are permanent")
  void statusClassification() {
    fake.reply("POST /api/boom", 500, "{\"error\":\"kaput\"}")
      .on("POST /api/busy", (req, s) -> req.response().setStatusCode(429).putHeader("Retry-After", "7").end())
      .reply("POST /api/bad", 422, "{\"error\":\"steps must be > 0\"}")
      .on("POST /api/moved", (req, s) -> req.response().setStatusCode(302).putHeader("Location", "http://evil/").end());

    JobOutcome.Failure boom = failure(runDirect(new JsonObject().put("path", "boom")));
    assertThat(boom.retryable()).isTrue();
    assertThat(boom.message()).contains("500").contains("kaput");
    JobOutcome.Failure busy = failure(runDirect(new JsonObject().put("path", "busy")));
    assertThat(busy.retryable()).isTrue();
    assertThat(busy.message()).contains("Retry-After 7 s");
    JobOutcome.Failure bad = failure(runDirect(new JsonObject().put("path", "bad")));
    assertThat(bad.retryable()).isFalse();
    assertThat(bad.message()).contains("422").contains("steps must be > 0");
    JobOutcome.Failure moved = failure(runDirect(new JsonObject().put("path", "moved")));
    assertThat(moved.retryable()).isFalse();
    assertThat(moved.message()).contains("302").contains("not followed");
    assertThat(fake.seen().stream().filter(s -> s.path().equals("/")).count()).as("redirect not followed").isZero();

    fake.stop();
    JobOutcome.Failure down = failure(runDirect(new JsonObject()));
    assertThat(down.retryable()).isTrue();
  }

  @Test
  @DisplayName("through the worker: a 503 is retried until max_attempts, a 400 fails after one attempt")
  void retriesThroughTheWorker() {
    fake.reply("POST /api/flaky", 503, "{}").reply("POST /api/wrong", 400, "{}");
    await(store.configure(Map.of("retry_avoid_ms", 0)));
    deploy(restEnv("EMP_CLAIM_POLL_MS", "200"));
    JsonObject quickBackoff = new JsonObject().put("base_ms", 50).put("factor", 1).put("cap_ms", 50);
    String flaky = submit("rest", new JsonObject().put("path", "flaky"), "max_attempts", 2, "backoff", quickBackoff);
    String wrong = submit("rest", new JsonObject().put("path", "wrong"), "max_attempts", 3);
    assertThat(awaitStatus(flaky, JobStatus.FAILED, 15_000).failures()).isEqualTo(2);
    Job w = awaitStatus(wrong, JobStatus.FAILED, 15_000);
    assertThat(w.failures()).isEqualTo(1);
    assertThat(w.failReason()).isEqualTo("not_retryable");
  }

  @Test
  @DisplayName("a body that is not the JSON its Content-Type announces is a failure, promptly")
  void malformed() {
    fake.reply("POST /api/garbled", 200, "{\"half\": ")
      .on("POST /api/text", (req, s) -> req.response().putHeader("Content-Type", "text/plain").end("hello"));
    JobOutcome.Failure f = failure(runDirect(new JsonObject().put("path", "garbled")));
    assertThat(f.message()).contains("malformed");
    assertThat(success(runDirect(new JsonObject().put("path", "text"))).getString("body")).isEqualTo("hello");
  }

  @Test
  @DisplayName("a stalled backend: the worker's timeout stops the request (connection reset) and fails the job with reason timeout")
  void timeoutThroughTheWorker() {
    AtomicBoolean reset = new AtomicBoolean();
    fake.on("POST /api/slow", (req, s) -> req.connection().closeHandler(v -> reset.set(true)));
    deploy(restEnv());
    String id = submit("rest", new JsonObject().put("path", "slow"), "max_attempts", 1, "timeout_s", 0.5);
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.failReason()).isEqualTo("timeout");
    until("the request was reset", 5_000, reset::get);
  }

  @Test
  @DisplayName("cancelling a running job resets its request and the job ends cancelled")
  void cancel() {
    AtomicBoolean reset = new AtomicBoolean();
    fake.on("POST /api/slow", (req, s) -> req.connection().closeHandler(v -> reset.set(true)));
    deploy(restEnv());
    String id = submit("rest", new JsonObject().put("path", "slow"));
    until("the backend got the request", 10_000, () -> !fake.seen("POST /api/slow").isEmpty());
    awaitStatus(id, JobStatus.RUNNING, 5_000);
    assertThat(await(store.cancel(id))).isEqualTo("cancel_requested");
    awaitStatus(id, JobStatus.CANCELLED, 10_000);
    until("the request was reset", 5_000, reset::get);
  }

  @Test
  @DisplayName("the backend going down withdraws the service; back up, it is restored and a queued job runs")
  void downAndUp() {
    fake.reply("POST /api/ping", 200, "{\"pong\":true}");
    // A restored service does not wake the worker: the queued job waits for the fallback claim.
    String worker = deploy(restEnv("EMP_CLAIM_POLL_MS", "200"));
    assertThat(services(worker)).containsExactly("rest");
    int port = fake.port();
    fake.stop();
    until("service withdrawn", 5_000, () -> services(worker).isEmpty());
    String id = submit("rest", new JsonObject().put("path", "ping"));
    sleep(300);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);

    fake.start(port);
    Job job = awaitStatus(id, JobStatus.COMPLETED, 10_000);
    assertThat(new JsonObject(job.result()).getJsonObject("body").getBoolean("pong")).isTrue();
    assertThat(services(worker)).containsExactly("rest");
  }

  @Test
  @DisplayName("settings: the base URL is required when enabled; auth forms parse and the secret is never shown")
  void settings() {
    assertThatThrownBy(() -> RestSettings.from(EnvConfig.of(Map.of())))
      .isInstanceOf(ConfigException.class).hasMessageContaining("EMP_REST_BASE_URL");
    assertThatThrownBy(() -> RestSettings.from(EnvConfig.of(Map.of("EMP_REST_BASE_URL", "ftp://x"))))
      .hasMessageContaining("EMP_REST_BASE_URL");
    assertThatThrownBy(() -> RestSettings.from(EnvConfig.of(Map.of("EMP_REST_BASE_URL", "http://x",
      "EMP_REST_AUTH", "token:hunter2")))).hasMessageContaining("EMP_REST_AUTH").hasMessageNotContaining("hunter2");

    RestSettings s = RestSettings.from(EnvConfig.of(Map.of("EMP_REST_BASE_URL", "http://x:9/v1/",
      "EMP_REST_AUTH", "basic:user:pa:ss")));
    assertThat(s.endpoint().baseUrl().toString()).isEqualTo("http://x:9/v1");
    assertThat(s.endpoint().auth().value()).isEqualTo("Basic " + java.util.Base64.getEncoder()
      .encodeToString("user:pa:ss".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(s.toString()).doesNotContain("Basic ").contains("***");
    RestAuth header = RestAuth.parse("EMP_REST_AUTH", "header:X-Api-Key:k1");
    assertThat(header.header()).isEqualTo("X-Api-Key");
    assertThat(header.owns("x-api-key")).isTrue();
    assertThat(header.toString()).doesNotContain("k1");
    assertThat(s.service()).isEqualTo("rest");
    assertThat(s.endpoint().timeoutMs()).isEqualTo(60_000);
    assertThat(s.endpoint().healthPath()).isEqualTo("/health");
  }
}
