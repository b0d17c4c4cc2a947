package io.emp.worker.connector.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.worker.connector.ollama.FakeOllama.Ending;
import io.emp.worker.connector.ollama.FakeOllama.Script;
import io.emp.worker.connector.WorkerHarness;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Ollama jobs through a real worker role and broker (redis-server), against a fake Ollama server. */
@Timeout(60)
class OllamaWorkerTest extends WorkerHarness {
  private FakeOllama fake;

  @BeforeEach
  void startFake() {
    fake = new FakeOllama(vertx).start();
  }

  @AfterEach
  void stopFake() {
    fake.stop();
  }

  private String deployWorker(String... extra) {
    String[] base = {"EMP_CONNECTORS", "ollama", "EMP_OLLAMA_URL", fake.url()};
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
      .toArray(String[]::new);
    return deploy(env(all));
  }

  private static JsonObject ollamaJob(JsonObject payload) {
    return new JsonObject().put("service", "ollama").put("payload", payload);
  }

  private static JsonObject prompt() {
    return new JsonObject().put("model", "llama3.2:latest").put("prompt", "Tell me a story");
  }

  @Test
  @DisplayName("a job streams through the worker: progress events grow, then the job completes with the text and stats")
  void completesWithProgress() {
    String worker = deployWorker();
    assertThat(workerInfo(worker).getJsonObject("capabilities").getJsonObject("models").getJsonArray("ollama").getList())
      .containsExactly("llama3.2:latest");
    String[] tokens = new String[16];
    java.util.Arrays.fill(tokens, " word");
    fake.script(Script.tokens(80, tokens));
    String id = submit(ollamaJob(prompt()));

    Job job = awaitStatus(id, JobStatus.COMPLETED, 20_000);
    JsonObject result = new JsonObject(job.result());
    assertThat(result.getString("response")).isEqualTo(" word".repeat(16));
    assertThat(result.getJsonObject("stats").getLong("eval_count")).isEqualTo(16);
    List<Double> progress = events(id, "job.progress").stream().map(e -> Double.parseDouble(e.get("progress"))).toList();
    assertThat(progress.size()).as("several progress events").isGreaterThanOrEqualTo(3);
    assertThat(progress).isSorted();
    assertThat(progress.get(progress.size() - 1)).isEqualTo(100.0);
    assertThat(events(id, "job.progress").get(1).get("message")).endsWith("tokens");
  }

  @Test
  @DisplayName("a stream stalling past the job's timeout_s is closed and the job fails with reason timeout")
  void timeout() {
    deployWorker();
    fake.script(Script.tokens(20, "a", "b").ending(Ending.STALL));
    String id = submit(ollamaJob(prompt()).put("timeout_s", 0.6).put("max_attempts", 1));

    Job job = awaitStatus(id, JobStatus.FAILED, 15_000);
    assertThat(job.failReason()).isEqualTo("timeout");
    until("the fake saw the stream closed", 5_000, () -> fake.closedEarly.contains("/api/generate"));
  }

  @Test
  @DisplayName("cancelling a running job closes the Ollama stream and the job ends cancelled")
  void cancel() {
    deployWorker();
    String[] tokens = new String[200];
    java.util.Arrays.fill(tokens, "x");
    fake.script(Script.tokens(50, tokens));
    String id = submit(ollamaJob(prompt()));
    awaitStatus(id, JobStatus.RUNNING, 10_000);
    until("progress was reported", 10_000, () -> job(id).progress() > 0);

    assertThat(await(store.cancel(id))).isEqualTo("cancel_requested");
    Job job = awaitStatus(id, JobStatus.CANCELLED, 10_000);
    assertThat(job.result()).isNull();
    until("the fake saw the stream closed", 5_000, () -> fake.closedEarly.contains("/api/generate"));
  }

  @Test
  @DisplayName("Ollama down withdraws the service from the worker; back up, it is restored and a queued job runs")
  void downAndBackUp() {
    String worker = deployWorker("EMP_CONNECTOR_HEALTH_MS", "100");
    assertThat(workerInfo(worker).getJsonArray("services").getList()).containsExactly("ollama");

    fake.stop();
    until("service withdrawn", 10_000, () -> workerInfo(worker).getJsonArray("services").isEmpty());
    JsonObject status = workerInfo(worker).getJsonObject("connectors").getJsonObject("ollama");
    assertThat(status.getString("status")).isEqualTo("down");
    assertThat(status.getString("detail")).contains(fake.url());

    String id = submit(ollamaJob(prompt()));
    sleep(500);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);

    fake.start();
    awaitStatus(id, JobStatus.COMPLETED, 15_000);
    assertThat(workerInfo(worker).getJsonArray("services").getList()).containsExactly("ollama");
    assertThat(workerInfo(worker).getJsonObject("connectors").getJsonObject("ollama").getString("status")).isEqualTo("up");
  }

  @Test
  @DisplayName("a payload without model fails permanently: one attempt used although max_attempts is 3")
  void missingModelField() {
    deployWorker();
    String id = submit(ollamaJob(new JsonObject().put("prompt", "hi")).put("max_attempts", 3));

    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.failures()).isEqualTo(1);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.error()).contains("model");
    assertThat(job.failReason()).isEqualTo("not_retryable");
    assertThat(fake.requests("/api/generate")).isEmpty();
  }

  @Test
  @DisplayName("a job for a model the server lacks pulls it, reporting the pull as progress, then completes")
  void pullThroughWorker() {
    fake.pullable.add("qwen3:0.6b");
    fake.pullDelayMs = 150;
    deployWorker();
    String id = submit(ollamaJob(new JsonObject().put("model", "qwen3:0.6b").put("prompt", "hi")));

    awaitStatus(id, JobStatus.COMPLETED, 20_000);
    List<Map<String, String>> progress = events(id, "job.progress");
    assertThat(progress).anyMatch(e -> e.get("message").matches("pulling qwen3:0\\.6b \\d+%"));
    assertThat(fake.installed).contains("qwen3:0.6b");
  }
}
