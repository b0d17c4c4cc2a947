package io.emp.worker.connector.a1111;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.rest.BrokerHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class A1111ConnectorTest extends BrokerHarness {
  private FakeA1111 fake;

  @BeforeEach
  void startFake() {
    fake = new FakeA1111(vertx);
  }

  @AfterEach
  void stopFake() {
    fake.http.stop();
  }

  private Map<String, String> a1111Env(String... more) {
    Map<String, String> env = env("EMP_CONNECTORS", "a1111", "EMP_A1111_URL", fake.url(),
      "EMP_A1111_PROGRESS_MS", "50", "EMP_CONNECTOR_HEALTH_MS", "100");
    for (int i = 0; i + 1 < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  private A1111Connector connector(String... more) {
    return new A1111Connector(A1111Settings.from(EnvConfig.of(a1111Env(more))), connectorEnv(0));
  }

  private JobOutcome runDirect(JobContext ctx, String... more) {
    A1111Connector c = connector(more);
    try {
      return outcome(onContext(() -> c.run(ctx)), 10_000);
    } finally {
      await(c.stop());
    }
  }

  private static JsonObject prompt(String text) {
    return new JsonObject().put("prompt", text).put("steps", 10);
  }

  @Test
  @DisplayName("live progress from /sdapi/v1/progress arrives while the txt2img POST is still running")
  void liveProgress() {
    List<Boolean> answeredWhenReported = new CopyOnWriteArrayList<>();
    JobContext ctx = new JobContext("j1", "a1111", prompt("a cat"), 1, (pct, msg) -> {
      answeredWhenReported.add(fake.answered());
      progress.add(pct);
      messages.add(msg);
    });
    JsonObject result = success(runDirect(ctx));

    int live = answeredWhenReported.indexOf(true);
    List<Double> before = progress.subList(0, live < 0 ? progress.size() : live);
    assertThat(before).as("progress reported before the images existed").hasSizeGreaterThanOrEqualTo(3);
    assertThat(before).allMatch(p -> p > 0 && p < 100);
    assertThat(before).isSorted();
    assertThat(messages.get(1)).matches("step \\d+/10, ETA \\d+\\.\\d s");
    assertThat(progress.get(progress.size() - 1)).isEqualTo(100.0);
    assertThat(result.getJsonArray("images")).hasSize(1);
    // a progress GET already on the wire when the POST returned may still be recorded: snapshot once the
    // count has held for 150 ms (still polling every 50 ms would never settle, and fail the check below)
    int polls = fake.http.seen("GET /sdapi/v1/progress").size();
    long settled = System.currentTimeMillis();
    long deadline = settled + 5_000;
    while (System.currentTimeMillis() - settled < 150 && System.currentTimeMillis() < deadline) {
      sleep(10);
      int now = fake.http.seen("GET /sdapi/v1/progress").size();
      if (now != polls) {
        polls = now;
        settled = System.currentTimeMillis();
      }
    }
    sleep(200);
    assertThat(fake.http.seen("GET /sdapi/v1/progress")).as("polling stopped with the POST").hasSize(polls);
    assertThat(fake.http.seen("GET /sdapi/v1/progress").get(0).query()).isEqualTo("skip_current_image=true");
  }

  @Test
  @DisplayName("through the worker: images, parameters and parsed info as the result, live progress events, models advertised")
  void successThroughTheWorker() {
    String worker = deploy(a1111Env());
    String id = submit("a1111", prompt("a lighthouse").put("mode", "txt2img").put("width", 512));
    Job job = awaitStatus(id, JobStatus.COMPLETED, 10_000);

    JsonObject result = new JsonObject(job.result());
    assertThat(result.getJsonArray("images").getString(0)).startsWith("iVBOR");
    assertThat(result.getJsonObject("parameters").getString("prompt")).isEqualTo("a lighthouse");
    assertThat(result.getJsonObject("info").getInteger("seed")).isEqualTo(1234);
    JsonObject sent = new JsonObject(fake.http.seen("POST /sdapi/v1/txt2img").get(0).body());
    assertThat(sent.containsKey("mode")).as("mode is the connector's, not A1111's").isFalse();
    assertThat(sent.getInteger("width")).isEqualTo(512);
    List<Double> live = events(id, "job.progress").stream().map(e -> Double.parseDouble(e.get("progress")))
      .filter(p -> p > 0 && p < 100).toList();
    assertThat(live).as("intermediate progress events").isNotEmpty();
    assertThat(workerInfo(worker).getJsonObject("capabilities").getJsonObject("models").getJsonArray("a1111"))
      .isEqualTo(new JsonArray().add("sdxl_base").add("sd15"));
  }

  @Test
  @DisplayName("img2img posts to /sdapi/v1/img2img; it needs init_images; a bad mode is named")
  void img2img() {
    JsonObject payload = prompt("make it blue").put("mode", "img2img").put("init_images", new JsonArray().add("aGk="));
    assertThat(success(runDirect(jobContext("a1111", payload))).getJsonArray("images")).hasSize(1);
    assertThat(fake.http.seen("POST /sdapi/v1/img2img")).hasSize(1);

    JobOutcome.Failure noImages = failure(runDirect(jobContext("a1111", prompt("x").put("mode", "img2img"))));
    assertThat(noImages.retryable()).isFalse();
    assertThat(noImages.message()).contains("init_images");
    JobOutcome.Failure badMode = failure(runDirect(jobContext("a1111", prompt("x").put("mode", "upscale"))));
    assertThat(badMode.retryable()).isFalse();
    assertThat(badMode.message()).contains("mode");
  }

  @Test
  @DisplayName("a payload without prompt fails permanently: one attempt used although max_attempts is 3")
  void noPrompt() {
    deploy(a1111Env());
    String id = submit("a1111", new JsonObject().put("steps", 20), "max_attempts", 3);
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.failures()).isEqualTo(1);
    assertThat(job.failReason()).isEqualTo("not_retryable");
    assertThat(job.error()).contains("prompt");
    assertThat(fake.http.seen("POST /sdapi/v1/txt2img")).isEmpty();
  }

  @Test
  @DisplayName("A1111 answering 5xx is retryable, 4xx (validation, unknown model) permanent, unreachable retryable")
  void statusClassification() {
    fake.http.reply("POST /sdapi/v1/txt2img", 500, "{\"error\":\"OutOfMemoryError\"}");
    JobOutcome.Failure oom = failure(runDirect(jobContext("a1111", prompt("x"))));
    assertThat(oom.retryable()).isTrue();
    assertThat(oom.message()).contains("500").contains("OutOfMemoryError");

    fake.http.reply("POST /sdapi/v1/txt2img", 422, "{\"detail\":\"Sampler not found\"}");
    JobOutcome.Failure invalid = failure(runDirect(jobContext("a1111", prompt("x"))));
    assertThat(invalid.retryable()).isFalse();
    assertThat(invalid.message()).contains("Sampler not found");

    fake.http.stop();
    assertThat(failure(runDirect(jobContext("a1111", prompt("x")))).retryable()).isTrue();
  }

  @Test
  @DisplayName("a malformed answer is a failure, promptly")
  void malformed() {
    fake.http.reply("POST /sdapi/v1/txt2img", 200, "<html>Internal</html>");
    assertThat(failure(runDirect(jobContext("a1111", prompt("x")))).message()).contains("malformed");
    fake.http.reply("POST /sdapi/v1/txt2img", 200, "{\"detail\":\"ok\"}");
    assertThat(failure(runDirect(jobContext("a1111", prompt("x")))).message()).contains("images");
  }

  @Test
  @DisplayName("EMP_A1111_TIMEOUT_S ends a stalled generation: A1111 is interrupted and the failure is retryable")
  void requestTimeout() {
    fake.stall = true;
    long t0 = System.currentTimeMillis();
    JobOutcome.Failure f = failure(runDirect(jobContext("a1111", prompt("x")), "EMP_A1111_TIMEOUT_S", "0.5"));
    assertThat(System.currentTimeMillis() - t0).isLessThan(5_000);
    assertThat(f.retryable()).isTrue();
    assertThat(f.message()).contains("no complete answer within 500 ms");
    assertThat(fake.interrupts()).as("interrupted before the failure was reported").isEqualTo(1);
  }

  @Test
  @DisplayName("the worker's timeout interrupts A1111 and fails the job with reason timeout")
  void timeoutThroughTheWorker() {
    fake.stall = true;
    deploy(a1111Env());
    String id = submit("a1111", prompt("x"), "max_attempts", 1, "timeout_s", 0.5);
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.failReason()).isEqualTo("timeout");
    assertThat(fake.interrupts()).isEqualTo(1);
  }

  @Test
  @DisplayName("cancelling a running job sends /sdapi/v1/interrupt and the job ends cancelled")
  void cancel() {
    fake.steps = 1000;
    deploy(a1111Env());
    String id = submit("a1111", prompt("x"));
    until("progress reported", 10_000, () -> job(id).progress() > 0);
    assertThat(await(store.cancel(id))).isEqualTo("cancel_requested");
    Job job = awaitStatus(id, JobStatus.CANCELLED, 10_000);
    assertThat(job.progress()).isLessThan(100);
    assertThat(fake.interrupts()).isEqualTo(1);
  }

  @Test
  @DisplayName("A1111 down at start does not stop the worker; the service comes and goes with A1111, a queued job runs")
  void downAndUp() {
    int port = fake.http.port();
    fake.http.stop();
    // A restored service does not wake the worker: the queued job waits for the fallback claim.
    String worker = deploy(a1111Env("EMP_CLAIM_POLL_MS", "200"));
    assertThat(services(worker)).isEmpty();
    String id = submit("a1111", prompt("x"));
    sleep(300);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);

    fake.http.start(port);
    awaitStatus(id, JobStatus.COMPLETED, 10_000);
    assertThat(services(worker)).containsExactly("a1111");
    fake.http.stop();
    until("service withdrawn", 5_000, () -> services(worker).isEmpty());
    fake.http.start(port);
    until("service restored", 5_000, () -> services(worker).contains("a1111"));
  }

  @Test
  @DisplayName("settings: one A1111 per GPU on base port + worker index, or one fixed URL")
  void settings() {
    A1111Settings defaults = A1111Settings.from(EnvConfig.of(Map.of()));
    assertThat(defaults.baseUrl(0).toString()).isEqualTo("http://127.0.0.1:7860");
    assertThat(defaults.baseUrl(3).toString()).isEqualTo("http://127.0.0.1:7863");
    assertThat(defaults.service()).isEqualTo("a1111");
    assertThat(defaults.timeoutMs()).isEqualTo(600_000);
    assertThat(defaults.progressMs()).isEqualTo(500);
    A1111Settings custom = A1111Settings.from(EnvConfig.of(Map.of("EMP_A1111_HOST", "10.0.0.2",
      "EMP_A1111_BASE_PORT", "9000")));
    assertThat(custom.baseUrl(2).toString()).isEqualTo("http://10.0.0.2:9002");
    A1111Settings fixed = A1111Settings.from(EnvConfig.of(Map.of("EMP_A1111_URL", "http://gpu-box:7860/")));
    assertThat(fixed.baseUrl(5).toString()).isEqualTo("http://gpu-box:7860");
    assertThatThrownBy(() -> A1111Settings.from(EnvConfig.of(Map.of("EMP_A1111_URL", "gpu-box:7860"))))
      .isInstanceOf(ConfigException.class).hasMessageContaining("EMP_A1111_URL");
  }
}
