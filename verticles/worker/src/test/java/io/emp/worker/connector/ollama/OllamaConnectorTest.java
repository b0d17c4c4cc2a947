package io.emp.worker.connector.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.ollama.FakeOllama.Ending;
import io.emp.worker.connector.ollama.FakeOllama.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ollama connector against a fake Ollama server speaking the real streaming protocol. */
@Timeout(30)
class OllamaConnectorTest {
  private static Vertx vertx;
  private FakeOllama fake;
  private OllamaConnector connector;
  private final List<Double> progress = new CopyOnWriteArrayList<>();
  private final List<String> messages = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    FakeOllama.await(vertx.close());
  }

  @BeforeEach
  void startFake() {
    fake = new FakeOllama(vertx).start();
    connector = connector(OllamaSettings.of(fake.url()));
  }

  @AfterEach
  void stopAll() {
    FakeOllama.await(connector.stop());
    fake.stop();
  }

  private OllamaConnector connector(OllamaSettings settings) {
    OllamaConnector c = new OllamaConnector(settings, new ConnectorEnv(vertx, "m1", "m1-worker-0", 0));
    FakeOllama.await(c.start());
    return c;
  }

  private JobContext job(JsonObject payload) {
    return new JobContext("job-1", "ollama", payload, 1, (pct, msg) -> {
      progress.add(pct);
      messages.add(msg);
    });
  }

  private static JsonObject generate(String model) {
    return new JsonObject().put("model", model).put("prompt", "Why is the sky blue?");
  }

  private static JobOutcome await(Future<JobOutcome> f) {
    return FakeOllama.await(f);
  }

  private static JobOutcome.Failure failure(JobOutcome o) {
    assertThat(o).isInstanceOf(JobOutcome.Failure.class);
    return (JobOutcome.Failure) o;
  }

  @Test
  @DisplayName("a generate job streams: increasing token progress, then the text and the final stats")
  void generateStreams() {
    fake.script(Script.tokens(10, "The", " sky", " is", " blue", " because", "."));
    JobOutcome outcome = await(connector.run(job(generate("llama3.2:latest")
      .put("options", new JsonObject().put("temperature", 0)).put("keep_alive", "5m"))));

    JsonObject result = ((JobOutcome.Success) outcome).result();
    assertThat(result.getString("model")).isEqualTo("llama3.2:latest");
    assertThat(result.getString("response")).isEqualTo("The sky is blue because.");
    assertThat(result.getString("done_reason")).isEqualTo("stop");
    JsonObject stats = result.getJsonObject("stats");
    assertThat(stats.getLong("eval_count")).isEqualTo(6);
    assertThat(stats.getLong("prompt_eval_count")).isEqualTo(26);
    assertThat(stats.getLong("total_duration")).isEqualTo(5_191_566_416L);
    assertThat(stats.fieldNames()).contains("load_duration", "eval_duration", "prompt_eval_duration");

    assertThat(progress).hasSize(7).isSorted();
    assertThat(progress.subList(0, 6)).allMatch(p -> p > 0 && p < 95);
    assertThat(progress.get(6)).isEqualTo(100.0);
    assertThat(messages.get(2)).isEqualTo("3 tokens");

    JsonObject sent = fake.requests("/api/generate").get(0).body();
    assertThat(sent.getBoolean("stream")).isTrue();
    assertThat(sent.getJsonObject("options").getInteger("temperature")).isZero();
    assertThat(sent.getString("keep_alive")).isEqualTo("5m");
  }

  @Test
  @DisplayName("a chat job goes to /api/chat and returns the assistant message; num_predict makes progress a share")
  void chatWithBudget() {
    fake.script(Script.tokens(5, "Hi", " there", "!", " How"));
    JsonObject payload = new JsonObject().put("model", "llama3.2:latest")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello")))
      .put("options", new JsonObject().put("num_predict", 8))
      .put("stream", false);
    JobOutcome outcome = await(connector.run(job(payload)));

    JsonObject message = ((JobOutcome.Success) outcome).result().getJsonObject("message");
    assertThat(message.getString("role")).isEqualTo("assistant");
    assertThat(message.getString("content")).isEqualTo("Hi there! How");
    assertThat(progress).containsExactly(12.5, 25.0, 37.5, 50.0, 100.0);
    assertThat(fake.requests("/api/chat").get(0).body().getBoolean("stream")).as("always streamed").isTrue();
  }

  @Test
  @DisplayName("an error line fails retryably; HTTP 500 is retryable, HTTP 400 permanent with Ollama's message")
  void backendErrors() {
    fake.script(Script.tokens(5, "a", "b").error("llama runner process has terminated: signal: killed"),
      Script.status(500, "an unexpected error occurred"),
      Script.status(400, "invalid options: foo"));

    JobOutcome.Failure line = failure(await(connector.run(job(generate("llama3.2:latest")))));
    assertThat(line.retryable()).isTrue();
    assertThat(line.message()).contains("llama runner process has terminated");

    JobOutcome.Failure http500 = failure(await(connector.run(job(generate("llama3.2:latest")))));
    assertThat(http500.retryable()).isTrue();
    assertThat(http500.message()).contains("HTTP 500").contains("an unexpected error occurred");

    JobOutcome.Failure http400 = failure(await(connector.run(job(generate("llama3.2:latest")))));
    assertThat(http400.retryable()).isFalse();
    assertThat(http400.message()).contains("HTTP 400").contains("invalid options: foo");
  }

  @Test
  @DisplayName("a garbage line fails retryably and closes the stream; a stream cut before done fails retryably")
  void malformedStreams() {
    fake.script(Script.tokens(5, "a", "b").ending(Ending.GARBAGE),
      Script.tokens(5, "a", "b").ending(Ending.END_WITHOUT_DONE),
      Script.tokens(5, "a", "b").ending(Ending.DROP));

    JobOutcome.Failure garbage = failure(await(connector.run(job(generate("llama3.2:latest")))));
    assertThat(garbage.retryable()).isTrue();
    assertThat(garbage.message()).contains("malformed line");

    JobOutcome.Failure ended = failure(await(connector.run(job(generate("llama3.2:latest")))));
    assertThat(ended.retryable()).isTrue();
    assertThat(ended.message()).contains("ended before done").contains("after 2 tokens");

    JobOutcome.Failure dropped = failure(await(connector.run(job(generate("llama3.2:latest")))));
    assertThat(dropped.retryable()).isTrue();
  }

  @Test
  @DisplayName("a stream that stalls longer than EMP_OLLAMA_TIMEOUT_S is closed and fails retryably")
  void idleTimeout() {
    FakeOllama.await(connector.stop());
    connector = connector(OllamaSettings.of(fake.url()).withTimeoutS(1));
    fake.script(Script.tokens(5, "a").ending(Ending.STALL));
    long t0 = System.nanoTime();
    JobOutcome.Failure f = failure(await(connector.run(job(generate("llama3.2:latest")))));
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 5_000L);
    assertThat(f.retryable()).isTrue();
    assertThat(f.message()).contains("EMP_OLLAMA_TIMEOUT_S");
    awaitClosed("/api/generate");
  }

  @Test
  @DisplayName("cancel closes the stream at once and completes the job as cancelled")
  void cancelClosesTheStream() {
    fake.script(Script.tokens(100, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"));
    JobContext job = job(generate("llama3.2:latest"));
    Future<JobOutcome> running = connector.run(job);
    until(() -> progress.size() >= 2);
    job.cancel("requested");
    assertThat(await(running)).isEqualTo(JobOutcome.cancelled());
    awaitClosed("/api/generate");
  }

  @Test
  @DisplayName("a model the server lacks is pulled with its progress reported, then the job runs")
  void pullsMissingModel() {
    fake.pullable.add("qwen3:0.6b");
    JobOutcome outcome = await(connector.run(job(generate("qwen3:0.6b"))));

    assertThat(outcome.succeeded()).isTrue();
    assertThat(fake.requests("/api/pull")).hasSize(1);
    assertThat(fake.requests("/api/pull").get(0).body())
      .isEqualTo(new JsonObject().put("model", "qwen3:0.6b").put("stream", true));
    assertThat(fake.requests("/api/generate")).hasSize(2);
    assertThat(messages).contains("pulling qwen3:0.6b 25%", "pulling qwen3:0.6b 50%", "pulling qwen3:0.6b 100%",
      "pulled qwen3:0.6b");
    assertThat(progress).isSorted();
    assertThat(progress.get(messages.indexOf("pulling qwen3:0.6b 50%"))).isEqualTo(20.0);
    assertThat(progress.get(progress.size() - 1)).isEqualTo(100.0);
    assertThat(((JobOutcome.Success) outcome).result().getString("response")).isEqualTo("Hello, world!");
  }

  @Test
  @DisplayName("a model that cannot be pulled, or any missing model with EMP_OLLAMA_PULL off, fails permanently naming it")
  void pullFailures() {
    JobOutcome.Failure unknown = failure(await(connector.run(job(generate("no-such-model")))));
    assertThat(unknown.retryable()).isFalse();
    assertThat(unknown.message()).contains("no-such-model").contains("file does not exist");

    FakeOllama.await(connector.stop());
    connector = connector(OllamaSettings.of(fake.url()).withPull(false));
    fake.pullable.add("qwen3:0.6b");
    JobOutcome.Failure off = failure(await(connector.run(job(generate("qwen3:0.6b")))));
    assertThat(off.retryable()).isFalse();
    assertThat(off.message()).contains("qwen3:0.6b").contains("EMP_OLLAMA_PULL");
    assertThat(fake.requests("/api/pull")).hasSize(1);
  }

  @Test
  @DisplayName("a payload without model, without prompt/messages or with wrong types fails permanently naming the field")
  void badPayloads() {
    assertThat(failure(await(connector.run(job(new JsonObject().put("prompt", "hi"))))).message()).contains("model");
    JobOutcome.Failure neither = failure(await(connector.run(job(new JsonObject().put("model", "llama3.2")))));
    assertThat(neither.retryable()).isFalse();
    assertThat(neither.message()).contains("prompt").contains("messages");
    assertThat(failure(await(connector.run(job(generate("m").put("options", new JsonObject().put("num_predict", "x"))))))
      .message()).contains("options.num_predict");
    assertThat(failure(await(connector.run(job(new JsonObject().put("model", "m").put("messages", "hi"))))).retryable())
      .isFalse();
    assertThat(fake.requests).isEmpty();
  }

  @Test
  @DisplayName("health asks /api/version; capabilities list the installed models from /api/tags")
  void healthAndCapabilities() {
    fake.installed.add("qwen3:0.6b");
    assertThat(FakeOllama.await(connector.health())).isEqualTo(ConnectorHealth.up());
    JsonObject caps = FakeOllama.await(connector.capabilities());
    assertThat(caps.getJsonObject("models").getJsonArray("ollama").getList())
      .containsExactlyInAnyOrder("llama3.2:latest", "qwen3:0.6b");

    fake.stop();
    ConnectorHealth down = FakeOllama.await(connector.health());
    assertThat(down.healthy()).isFalse();
    assertThat(down.detail()).contains(fake.url());
    fake.start();
  }

  @Test
  @DisplayName("a hung server makes health down within the probe deadline, and the probe's request is closed")
  void hungServer() {
    fake.stall.add("/api/version");
    long t0 = System.nanoTime();
    ConnectorHealth h = FakeOllama.await(connector.health());
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
    assertThat(h.healthy()).isFalse();
    awaitClosed("/api/version");
  }

  @Test
  @DisplayName("settings: defaults, and a bad value names its variable")
  void settings() {
    OllamaSettings d = OllamaSettings.from(EnvConfig.of(Map.of()));
    assertThat(d.url().toString()).isEqualTo("http://127.0.0.1:11434");
    assertThat(d.service()).isEqualTo("ollama");
    assertThat(d.timeoutS()).isEqualTo(300);
    assertThat(d.pull()).isTrue();
    for (var bad : List.of(Map.of("EMP_OLLAMA_URL", "ftp://x"), Map.of("EMP_OLLAMA_TIMEOUT_S", "0"),
      Map.of("EMP_OLLAMA_PULL", "maybe"), Map.of("EMP_OLLAMA_SERVICE", "a b"))) {
      assertThatThrownBy(() -> OllamaSettings.from(EnvConfig.of(bad)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(bad.keySet().iterator().next());
    }
  }

  @Test
  @DisplayName("start does not fail while the server is down; a job then fails retryably")
  void startsWhileDown() {
    fake.stop();
    OllamaConnector c = connector(OllamaSettings.of(fake.url()));
    JobOutcome.Failure f = failure(await(c.run(job(generate("llama3.2:latest")))));
    assertThat(f.retryable()).isTrue();
    FakeOllama.await(c.stop());
    fake.start();
  }

  private void awaitClosed(String path) {
    until(() -> fake.closedEarly.contains(path));
  }

  private static void until(BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("condition within 10 s").isLessThan(deadline);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
