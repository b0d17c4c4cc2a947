package io.emp.worker.connector.openai;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.worker.connector.openai.FakeOpenAi.Ending;
import io.emp.worker.connector.openai.FakeOpenAi.Script;
import io.emp.worker.connector.WorkerHarness;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** OpenAI jobs through a real worker role and broker (redis-server), against a fake OpenAI server. */
@Timeout(60)
class OpenAiWorkerTest extends WorkerHarness {
  private static final String KEY = "sk-proj-Zq81hT0pLk3mW9";
  private FakeOpenAi fake;

  @BeforeEach
  void startFake() {
    fake = new FakeOpenAi(vertx).start();
    fake.requiredKey = KEY;
  }

  @AfterEach
  void stopFake() {
    fake.stop();
  }

  private String deployWorker(String... extra) {
    String[] base = {"EMP_CONNECTORS", "openai", "EMP_OPENAI_BASE_URL", fake.url(), "EMP_OPENAI_API_KEY", KEY};
    return deploy(env(Stream.concat(Arrays.stream(base), Arrays.stream(extra)).toArray(String[]::new)));
  }

  private static JsonObject openaiJob(JsonObject payload) {
    return new JsonObject().put("service", "openai").put("payload", payload);
  }

  @Test
  @DisplayName("a chat job streams through the worker: progress events grow, then the job completes with the content")
  void completesWithProgress() {
    String worker = deployWorker();
    assertThat(workerInfo(worker).getJsonObject("capabilities").getJsonObject("models").getJsonArray("openai").getList())
      .containsExactly("gpt-4o-mini", "text-embedding-3-small", "dall-e-3");
    String[] tokens = new String[16];
    Arrays.fill(tokens, " la");
    fake.script(Script.tokens(80, tokens));
    String id = submit(openaiJob(OpenAiConnectorTest.chat()));

    Job job = awaitStatus(id, JobStatus.COMPLETED, 20_000);
    JsonObject result = new JsonObject(job.result());
    assertThat(result.getString("content")).isEqualTo(" la".repeat(16));
    assertThat(result.getString("finish_reason")).isEqualTo("stop");
    List<Double> progress = events(id, "job.progress").stream().map(e -> Double.parseDouble(e.get("progress"))).toList();
    assertThat(progress.size()).as("several progress events").isGreaterThanOrEqualTo(3);
    assertThat(progress).isSorted();
    assertThat(progress.get(progress.size() - 1)).isEqualTo(100.0);
  }

  @Test
  @DisplayName("a stream stalling past the job's timeout_s is closed and the job fails with reason timeout")
  void timeout() {
    deployWorker();
    fake.script(Script.tokens(20, "a", "b").ending(Ending.STALL));
    String id = submit(openaiJob(OpenAiConnectorTest.chat()).put("timeout_s", 0.6).put("max_attempts", 1));

    Job job = awaitStatus(id, JobStatus.FAILED, 15_000);
    assertThat(job.failReason()).isEqualTo("timeout");
    until("the fake saw the stream closed", 5_000, () -> fake.closedEarly.contains("/v1/chat/completions"));
  }

  @Test
  @DisplayName("cancelling a running job closes the SSE stream and the job ends cancelled")
  void cancel() {
    deployWorker();
    String[] tokens = new String[200];
    Arrays.fill(tokens, "x");
    fake.script(Script.tokens(50, tokens));
    String id = submit(openaiJob(OpenAiConnectorTest.chat()));
    awaitStatus(id, JobStatus.RUNNING, 10_000);
    until("progress was reported", 10_000, () -> job(id).progress() > 0);

    assertThat(await(store.cancel(id))).isEqualTo("cancel_requested");
    Job job = awaitStatus(id, JobStatus.CANCELLED, 10_000);
    assertThat(job.result()).isNull();
    until("the fake saw the stream closed", 5_000, () -> fake.closedEarly.contains("/v1/chat/completions"));
  }

  @Test
  @DisplayName("the server down withdraws the service from the worker; back up, it is restored and a queued job runs")
  void downAndBackUp() {
    String worker = deployWorker("EMP_CONNECTOR_HEALTH_MS", "100");
    assertThat(workerInfo(worker).getJsonArray("services").getList()).containsExactly("openai");

    fake.stop();
    until("service withdrawn", 10_000, () -> workerInfo(worker).getJsonArray("services").isEmpty());
    assertThat(workerInfo(worker).getJsonObject("connectors").getJsonObject("openai").getString("status")).isEqualTo("down");

    String id = submit(openaiJob(OpenAiConnectorTest.chat()));
    sleep(500);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);

    fake.start();
    awaitStatus(id, JobStatus.COMPLETED, 15_000);
    assertThat(workerInfo(worker).getJsonArray("services").getList()).containsExactly("openai");
    assertThat(workerInfo(worker).getJsonObject("connectors").getJsonObject("openai").getString("status")).isEqualTo("up");
  }

  @Test
  @DisplayName("a 429 with retry-after schedules a retry and the job's error names the provider's wait")
  void rateLimitedRetries() {
    deployWorker();
    fake.script(Script.status(429, "Rate limit reached for gpt-4o-mini.", "retry-after", "3"));
    String id = submit(openaiJob(OpenAiConnectorTest.chat()).put("max_attempts", 2));

    Job job = awaitStatus(id, JobStatus.DELAYED, 10_000);
    assertThat(job.error()).contains("HTTP 429").contains("retry after 3 s").contains("retry_after_ms=3000");
    assertThat(events(id, "job.retry_scheduled").get(0).get("error")).contains("retry_after_ms=3000");
  }

  @Test
  @DisplayName("a 400 fails the job permanently with the provider's message: one attempt of three")
  void badRequestIsPermanent() {
    deployWorker();
    fake.script(Script.status(400, "Invalid value for 'temperature': must be between 0 and 2."));
    String id = submit(openaiJob(OpenAiConnectorTest.chat().put("temperature", 7)).put("max_attempts", 3));

    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.failures()).isEqualTo(1);
    assertThat(job.error()).contains("Invalid value for 'temperature'");
    assertThat(job.failReason()).isEqualTo("not_retryable");
  }

  @Test
  @DisplayName("the API key is sent as a bearer token and never appears in logs, job errors, results or events")
  void apiKeyNeverLeaks() {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    Logger emp = (Logger) LoggerFactory.getLogger("io.emp");
    Level before = emp.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    emp.setLevel(Level.DEBUG);
    try {
      fake.echoKey = true;
      String worker = deployWorker("EMP_CONNECTOR_HEALTH_MS", "100");
      String ok = submit(openaiJob(OpenAiConnectorTest.chat()));
      Job done = awaitStatus(ok, JobStatus.COMPLETED, 15_000);
      assertThat(new JsonObject(done.result()).getString("content")).contains("Bearer ***");

      fake.script(Script.status(400, "Unknown parameter for key " + KEY));
      String bad = submit(openaiJob(OpenAiConnectorTest.chat()));
      Job failed = awaitStatus(bad, JobStatus.FAILED, 15_000);
      assertThat(failed.error()).contains("Unknown parameter for key ***");

      fake.requiredKey = "sk-rotated";
      until("service withdrawn (key refused)", 10_000, () -> workerInfo(worker).getJsonArray("services").isEmpty());
      JsonObject status = workerInfo(worker).getJsonObject("connectors").getJsonObject("openai");
      assertThat(status.getString("detail")).contains("invalid API key");

      assertThat(fake.requests("/v1/chat/completions"))
        .allMatch(r -> ("Bearer " + KEY).equals(r.headers().get("Authorization")));
      assertThat(done.result() + failed.error() + failed.result() + status.encode()).doesNotContain(KEY);
      assertThat(events()).allMatch(e -> !e.toString().contains(KEY));
      List<ILoggingEvent> lines;
      synchronized (logs) { // heartbeats log at DEBUG meanwhile; the appender adds under its own lock
        lines = List.copyOf(logs.list);
      }
      assertThat(lines).isNotEmpty();
      assertThat(lines).allMatch(e -> !e.getFormattedMessage().contains(KEY)
        && (e.getThrowableProxy() == null || !String.valueOf(e.getThrowableProxy().getMessage()).contains(KEY)));
    } finally {
      root.detachAppender(logs);
      emp.setLevel(before);
    }
  }
}
