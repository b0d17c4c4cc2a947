package io.emp.worker.connector.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.EnvConfig;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.openai.FakeOpenAi.Ending;
import io.emp.worker.connector.openai.FakeOpenAi.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
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

/** The openai connector against a fake OpenAI-compatible server speaking the real SSE protocol. */
@Timeout(30)
class OpenAiConnectorTest {
  private static final String KEY = "sk-test-4f9a1c2e7b";
  private static Vertx vertx;
  private FakeOpenAi fake;
  private OpenAiConnector connector;
  private final List<Double> progress = new CopyOnWriteArrayList<>();
  private final List<String> messages = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    FakeOpenAi.await(vertx.close());
  }

  @BeforeEach
  void startFake() {
    fake = new FakeOpenAi(vertx).start();
    connector = connector(OpenAiSettings.of(fake.url(), KEY));
  }

  @AfterEach
  void stopAll() {
    FakeOpenAi.await(connector.stop());
    fake.stop();
  }

  private OpenAiConnector connector(OpenAiSettings settings) {
    OpenAiConnector c = new OpenAiConnector(settings, new ConnectorEnv(vertx, "m1", "m1-worker-0", 0));
    FakeOpenAi.await(c.start());
    return c;
  }

  private JobContext job(JsonObject payload) {
    return new JobContext("job-1", "openai", payload, 1, (pct, msg) -> {
      progress.add(pct);
      messages.add(msg);
    });
  }

  private JobOutcome run(JsonObject payload) {
    return FakeOpenAi.await(connector.run(job(payload)));
  }

  static JsonObject chat() {
    return new JsonObject().put("model", "gpt-4o-mini")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Say hello")));
  }

  private static JobOutcome.Failure failure(JobOutcome o) {
    assertThat(o).isInstanceOf(JobOutcome.Failure.class);
    return (JobOutcome.Failure) o;
  }

  @Test
  @DisplayName("a chat job streams SSE chunks: increasing token progress, then content, finish_reason and usage")
  void chatStreams() {
    FakeOpenAi.await(connector.stop());
    connector = connector(OpenAiSettings.of(fake.url() + "/v1", KEY).withOrganization("org-42"));
    fake.script(Script.tokens(10, "Hello", "!", " How", " can", " I", " help?"));
    JobOutcome outcome = run(chat().put("endpoint", "chat").put("temperature", 0.2)
      .put("stream_options", new JsonObject().put("include_usage", true)));

    JsonObject result = ((JobOutcome.Success) outcome).result();
    assertThat(result.getString("content")).isEqualTo("Hello! How can I help?");
    assertThat(result.getString("finish_reason")).isEqualTo("stop");
    assertThat(result.getString("model")).isEqualTo("gpt-4o-mini");
    assertThat(result.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(6);
    assertThat(progress).hasSize(7).isSorted();
    assertThat(progress.subList(0, 6)).allMatch(p -> p > 0 && p < 95);
    assertThat(progress.get(6)).isEqualTo(100.0);
    assertThat(messages.get(1)).isEqualTo("2 tokens");

    FakeOpenAi.Recorded sent = fake.requests("/v1/chat/completions").get(0);
    assertThat(sent.body().getBoolean("stream")).isTrue();
    assertThat(sent.body().containsKey("endpoint")).isFalse();
    assertThat(sent.body().getDouble("temperature")).isEqualTo(0.2);
    assertThat(sent.headers().get("Authorization")).isEqualTo("Bearer " + KEY);
    assertThat(sent.headers().get("OpenAI-Organization")).isEqualTo("org-42");
    assertThat(sent.headers().get("Accept")).isEqualTo("text/event-stream");
  }

  @Test
  @DisplayName("max_tokens turns chat progress into a share of the budget; tool call pieces are merged")
  void budgetAndToolCalls() {
    fake.script(Script.tokens(5, "a", "b", "c", "d"));
    run(chat().put("max_tokens", 8));
    assertThat(progress).containsExactly(12.5, 25.0, 37.5, 50.0, 100.0);

    String first = "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
      + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}";
    String second = "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}";
    String third = "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]}";
    fake.script(Script.tokens(5, first, second, third));
    JsonObject result = ((JobOutcome.Success) run(chat())).result();
    JsonObject call = result.getJsonArray("tool_calls").getJsonObject(0);
    assertThat(call.getString("id")).isEqualTo("call_1");
    assertThat(call.getJsonObject("function").getString("name")).isEqualTo("get_weather");
    assertThat(call.getJsonObject("function").getString("arguments")).isEqualTo("{\"city\":\"Oslo\"}");
  }

  @Test
  @DisplayName("a server that ignores stream: true and answers one JSON completion still gives the result")
  void nonStreamingServer() {
    fake.ignoreStream = true;
    fake.script(Script.tokens(1, "Hi", " there"));
    JsonObject result = ((JobOutcome.Success) run(chat())).result();
    assertThat(result.getString("content")).isEqualTo("Hi there");
    assertThat(result.getString("finish_reason")).isEqualTo("length");
    assertThat(result.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(11);
    assertThat(progress.get(progress.size() - 1)).isEqualTo(100.0);
  }

  @Test
  @DisplayName("HTTP 500 and an error chunk fail retryably; HTTP 400 fails permanently with the provider's message")
  void backendErrors() {
    fake.script(Script.status(500, "The server had an error while processing your request."),
      Script.tokens(5, "a").ending(Ending.ERROR_CHUNK),
      Script.status(400, "The model `gpt-9` does not exist or you do not have access to it."));

    JobOutcome.Failure http500 = failure(run(chat()));
    assertThat(http500.retryable()).isTrue();
    assertThat(http500.message()).contains("HTTP 500").contains("The server had an error");

    JobOutcome.Failure chunk = failure(run(chat()));
    assertThat(chunk.retryable()).isTrue();
    assertThat(chunk.message()).contains("server_error");

    JobOutcome.Failure http400 = failure(run(chat()));
    assertThat(http400.retryable()).isFalse();
    assertThat(http400.message()).contains("HTTP 400").contains("The model `gpt-9` does not exist")
      .contains("invalid_request_error");
  }

  @Test
  @DisplayName("429 is retryable and carries the provider's wait: retry-after seconds or retry-after-ms")
  void rateLimited() {
    fake.script(Script.status(429, "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3.",
        "retry-after", "20"),
      Script.status(429, "Rate limit reached.", "retry-after-ms", "1500", "retry-after", "2"),
      Script.status(429, "Rate limit reached."));

    JobOutcome.Failure seconds = failure(run(chat()));
    assertThat(seconds.retryable()).isTrue();
    assertThat(seconds.message()).contains("HTTP 429").contains("Rate limit reached for gpt-4o-mini")
      .contains("retry after 20 s").contains("retry_after_ms=20000");

    JobOutcome.Failure millis = failure(run(chat()));
    assertThat(millis.message()).contains("retry after 1.5 s").contains("retry_after_ms=1500");

    JobOutcome.Failure none = failure(run(chat()));
    assertThat(none.retryable()).isTrue();
    assertThat(none.message()).doesNotContain("retry_after_ms");
  }

  @Test
  @DisplayName("a garbage chunk fails and closes the stream; a stream cut before [DONE] fails retryably")
  void malformedStreams() {
    fake.script(Script.tokens(5, "a", "b").ending(Ending.GARBAGE),
      Script.tokens(5, "a", "b").ending(Ending.END_WITHOUT_DONE),
      Script.tokens(5, "a", "b").ending(Ending.DROP));

    JobOutcome.Failure garbage = failure(run(chat()));
    assertThat(garbage.message()).contains("malformed chunk");

    JobOutcome.Failure ended = failure(run(chat()));
    assertThat(ended.retryable()).isTrue();
    assertThat(ended.message()).contains("without [DONE]").contains("after 2 tokens");

    assertThat(failure(run(chat())).retryable()).isTrue();
  }

  @Test
  @DisplayName("a stream that stalls longer than EMP_OPENAI_TIMEOUT_S is closed and fails retryably")
  void idleTimeout() {
    FakeOpenAi.await(connector.stop());
    connector = connector(OpenAiSettings.of(fake.url(), KEY).withTimeoutS(1));
    fake.script(Script.tokens(5, "a").ending(Ending.STALL));
    long t0 = System.nanoTime();
    JobOutcome.Failure f = failure(run(chat()));
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 5_000L);
    assertThat(f.retryable()).isTrue();
    assertThat(f.message()).contains("EMP_OPENAI_TIMEOUT_S");
    until(() -> fake.closedEarly.contains("/v1/chat/completions"));
  }

  @Test
  @DisplayName("cancel closes the stream at once and completes the job as cancelled")
  void cancelClosesTheStream() {
    String[] tokens = new String[50];
    Arrays.fill(tokens, "x");
    fake.script(Script.tokens(100, tokens));
    JobContext job = job(chat());
    Future<JobOutcome> running = connector.run(job);
    until(() -> progress.size() >= 2);
    job.cancel("requested");
    assertThat(FakeOpenAi.await(running)).isEqualTo(JobOutcome.cancelled());
    until(() -> fake.closedEarly.contains("/v1/chat/completions"));
  }

  @Test
  @DisplayName("images return the response data (urls or b64_json); embeddings return data and usage")
  void imagesAndEmbeddings() {
    JobOutcome images = run(new JsonObject().put("endpoint", "images").put("model", "dall-e-3")
      .put("prompt", "a red fox").put("n", 2).put("size", "1024x1024"));
    JsonArray data = ((JobOutcome.Success) images).result().getJsonArray("data");
    assertThat(data).hasSize(2);
    assertThat(data.getJsonObject(0).getString("url")).isEqualTo("https://files.example/img-0.png");
    JsonObject sentImages = fake.requests("/v1/images/generations").get(0).body();
    assertThat(sentImages.getString("size")).isEqualTo("1024x1024");
    assertThat(sentImages.containsKey("stream")).isFalse();

    JobOutcome b64 = run(new JsonObject().put("endpoint", "images").put("model", "dall-e-3").put("prompt", "fox")
      .put("response_format", "b64_json"));
    assertThat(((JobOutcome.Success) b64).result().getJsonArray("data").getJsonObject(0).getString("b64_json"))
      .isEqualTo("iVBORw0KGgo=");

    JobOutcome embeddings = run(new JsonObject().put("endpoint", "embeddings").put("model", "text-embedding-3-small")
      .put("input", "The food was delicious"));
    JsonObject result = ((JobOutcome.Success) embeddings).result();
    assertThat(result.getJsonArray("data").getJsonObject(0).getJsonArray("embedding")).hasSize(3);
    assertThat(result.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(8);
    assertThat(result.getString("model")).isEqualTo("text-embedding-3-small");
  }

  @Test
  @DisplayName("a payload without model, with an unknown endpoint or without messages fails permanently naming the field")
  void badPayloads() {
    JobOutcome.Failure noModel = failure(run(new JsonObject().put("messages", new JsonArray().add(new JsonObject()))));
    assertThat(noModel.retryable()).isFalse();
    assertThat(noModel.message()).contains("model");
    JobOutcome.Failure endpoint = failure(run(chat().put("endpoint", "audio")));
    assertThat(endpoint.retryable()).isFalse();
    assertThat(endpoint.message()).contains("endpoint").contains("\"audio\"");
    assertThat(failure(run(new JsonObject().put("model", "gpt-4o-mini"))).message()).contains("messages");
    assertThat(failure(run(new JsonObject().put("endpoint", "embeddings").put("model", "m"))).message()).contains("input");
    assertThat(fake.requests).isEmpty();
  }

  @Test
  @DisplayName("health asks /v1/models (401: down, invalid API key); capabilities list the model ids")
  void healthAndCapabilities() {
    fake.requiredKey = KEY;
    assertThat(FakeOpenAi.await(connector.health())).isEqualTo(ConnectorHealth.up());
    assertThat(FakeOpenAi.await(connector.capabilities()).getJsonObject("models").getJsonArray("openai").getList())
      .containsExactly("gpt-4o-mini", "text-embedding-3-small", "dall-e-3");

    fake.requiredKey = "sk-another";
    ConnectorHealth badKey = FakeOpenAi.await(connector.health());
    assertThat(badKey.healthy()).isFalse();
    assertThat(badKey.detail()).contains("invalid API key");

    fake.stop();
    ConnectorHealth down = FakeOpenAi.await(connector.health());
    assertThat(down.healthy()).isFalse();
    assertThat(down.detail()).contains("127.0.0.1");
    fake.start();
  }

  @Test
  @DisplayName("a key echoed back by a leaky server is masked in errors, results and health details")
  void keyIsRedacted() {
    fake.echoKey = true;
    fake.requiredKey = "sk-expected";
    JobOutcome.Failure f = failure(run(chat()));
    assertThat(f.retryable()).isFalse();
    assertThat(f.message()).contains("invalid API key").contains("***").doesNotContain(KEY);
    assertThat(FakeOpenAi.await(connector.health()).detail()).doesNotContain(KEY);

    fake.requiredKey = null;
    JsonObject result = ((JobOutcome.Success) run(chat())).result();
    assertThat(result.getString("content")).contains("Bearer ***").doesNotContain(KEY);
    assertThat(OpenAiSettings.of(fake.url(), KEY).toString()).doesNotContain(KEY);
  }

  @Test
  @DisplayName("settings: defaults, a base ending in /v1 is accepted, and a bad value names its variable without echoing the key")
  void settings() {
    OpenAiSettings d = OpenAiSettings.from(EnvConfig.of(Map.of()));
    assertThat(d.baseUrl().toString()).isEqualTo("https://api.openai.com");
    assertThat(d.displayUrl()).isEqualTo("https://api.openai.com:443");
    assertThat(d.apiKey()).isNull();
    assertThat(d.service()).isEqualTo("openai");
    assertThat(d.timeoutS()).isEqualTo(120);
    assertThat(OpenAiSettings.of("http://gw:8000/v1/", null).basePath()).isEmpty();
    assertThat(OpenAiSettings.of("http://gw:8000/llm/v1", null).basePath()).isEqualTo("/llm");
    assertThatThrownBy(() -> OpenAiSettings.from(EnvConfig.of(
        Map.of("EMP_OPENAI_API_KEY", "sk-secret\r\nX-Evil: 1"))))
      .hasMessageContaining("EMP_OPENAI_API_KEY").hasMessageNotContaining("sk-secret");
    assertThatThrownBy(() -> OpenAiSettings.from(EnvConfig.of(
        Map.of("EMP_OPENAI_TIMEOUT_S", "-1"))))
      .hasMessageContaining("EMP_OPENAI_TIMEOUT_S");
  }

  @Test
  @DisplayName("start does not fail while the server is down; a job then fails retryably")
  void startsWhileDown() {
    fake.stop();
    OpenAiConnector c = connector(OpenAiSettings.of(fake.url(), null));
    assertThat(failure(FakeOpenAi.await(c.run(job(chat())))).retryable()).isTrue();
    FakeOpenAi.await(c.stop());
    fake.start();
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
