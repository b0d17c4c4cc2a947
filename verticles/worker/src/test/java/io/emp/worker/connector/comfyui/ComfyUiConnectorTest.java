package io.emp.worker.connector.comfyui;

import static io.emp.worker.connector.comfyui.FakeComfyUi.await;
import static io.emp.worker.connector.comfyui.FakeComfyUi.graph;
import static io.emp.worker.connector.comfyui.FakeComfyUi.imageOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.config.EnvConfig;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.comfyui.FakeComfyUi.Script;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The connector against a real HTTP + WebSocket server speaking ComfyUI's protocol (no Redis involved). */
@Timeout(30)
class ComfyUiConnectorTest {
  private static Vertx vertx;
  private FakeComfyUi fake;
  private ComfyUiConnector connector;
  private Context context;
  @TempDir
  Path outputDir;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    await(vertx.close());
  }

  @BeforeEach
  void startFake() {
    fake = new FakeComfyUi(vertx).start(0);
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stopAll() {
    if (connector != null) {
      await(onContext(connector::stop));
    }
    fake.stop();
  }

  private ComfyUiConnector connector(String... overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
      "EMP_COMFYUI_URL", fake.url(),
      "EMP_OUTPUT_DIR", outputDir.toString(),
      "EMP_COMFYUI_WS_RECONNECT_MS", "100",
      "EMP_COMFYUI_TIMEOUT_S", "5"));
    for (int i = 0; i + 1 < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    connector = new ComfyUiConnector(ComfyUiSettings.from(EnvConfig.of(env)), new ConnectorEnv(vertx, "m1", "m1-worker-0", 0));
    await(onContext(connector::start));
    return connector;
  }

  /** A job as the worker would run it, recording its progress reports. */
  private final class Job {
    final List<Double> percents = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();
    final JobContext context;

    Job(String id, JsonObject payload) {
      context = new JobContext(id, "comfyui", payload, 1, (p, m) -> {
        percents.add(p);
        messages.add(m);
      });
    }

    Future<JobOutcome> start() {
      return onContext(() -> connector.run(context));
    }
  }

  private <T> Future<T> onContext(Supplier<Future<T>> call) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(p));
    return p.future();
  }

  private JobOutcome run(String jobId) {
    return await(new Job(jobId, new JsonObject().put("prompt", graph())).start());
  }

  private static JobOutcome.Failure failure(JobOutcome o) {
    assertThat(o).isInstanceOf(JobOutcome.Failure.class);
    return (JobOutcome.Failure) o;
  }

  private static JsonObject result(JobOutcome o) {
    assertThat(o).as("outcome %s", o).isInstanceOf(JobOutcome.Success.class);
    return ((JobOutcome.Success) o).result();
  }

  private static void until(String what, Supplier<Boolean> condition) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.get()) {
      assertThat(System.currentTimeMillis()).as("waiting until " + what).isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  @DisplayName("a prompt runs: progress climbs across the graph to 100, the image comes back inline")
  void success() {
    connector();
    Buffer png = Buffer.buffer("\u0089PNG fake image bytes");
    fake.files.put("ComfyUI_00001_.png", png);
    fake.onPrompt = g -> new Script().standardRun().preview(300_000).succeed(imageOutputs("9", "ComfyUI_00001_.png"));
    Job job = new Job("job-1", new JsonObject().put("prompt", graph()));

    JsonObject result = result(await(job.start()));

    assertThat(result.getString("prompt_id")).isNotBlank();
    assertThat(result.getLong("duration_ms")).isNotNegative();
    JsonArray outputs = result.getJsonArray("outputs");
    assertThat(outputs).hasSize(1);
    JsonObject out = outputs.getJsonObject(0);
    assertThat(out.getString("node")).isEqualTo("9");
    assertThat(out.getString("filename")).isEqualTo("ComfyUI_00001_.png");
    assertThat(out.getString("type")).isEqualTo("output");
    assertThat(out.getString("mime_type")).isEqualTo("image/png");
    assertThat(out.getLong("size_bytes")).isEqualTo(png.length());
    assertThat(Base64.getDecoder().decode(out.getString("base64"))).isEqualTo(png.getBytes());
    assertThat(fake.views).containsExactly("ComfyUI_00001_.png||output");

    List<Double> p = job.percents;
    assertThat(p).isSortedAccordingTo(Double::compare);
    assertThat(p.stream().distinct().count()).isGreaterThanOrEqualTo(5);
    assertThat(p.get(p.size() - 1)).isEqualTo(100.0);
    assertThat(p.subList(0, p.size() - 1)).allMatch(x -> x < 100);
    assertThat(job.messages).contains("node 1/3 KSampler 50%", "node 2/3 VAEDecode 0%");
  }

  @Test
  @DisplayName("the websocket is opened with the same clientId as the /prompt call, before it")
  void sameClientId() {
    connector();
    fake.files.put("ComfyUI_00001_.png", Buffer.buffer("x"));
    result(run("job-ws"));
    String clientId = fake.prompts.get(0).getString("client_id");
    assertThat(clientId).isNotBlank();
    assertThat(fake.socketClientIds).containsExactly(clientId);
    assertThat(fake.socketOpenAtPrompt).containsExactly(true);
    assertThat(fake.prompts.get(0).getJsonObject("prompt")).isEqualTo(graph());
  }

  @Test
  @DisplayName("outputs within EMP_INLINE_OUTPUT_BYTES (running total) are inline, the rest written atomically under EMP_OUTPUT_DIR/<job>/")
  void inlineAndDisk() throws Exception {
    connector("EMP_INLINE_OUTPUT_BYTES", "1000");
    byte[] a = bytes(600, 'a');
    byte[] b = bytes(600, 'b');
    byte[] video = bytes(5_000, 'v');
    byte[] d = bytes(300, 'd');
    fake.files.put("a.png", Buffer.buffer(a));
    fake.files.put("b.png", Buffer.buffer(b));
    fake.files.put("clip.mp4", Buffer.buffer(video));
    fake.chunked.put("clip.mp4", true);
    fake.files.put("d.png", Buffer.buffer(d));
    JsonObject outputs = imageOutputs("9", "a.png", "b.png")
      .put("12", new JsonObject().put("gifs", new JsonArray().add(new JsonObject().put("filename", "clip.mp4")
        .put("subfolder", "video").put("type", "output").put("format", "video/h264-mp4"))))
      .put("13", new JsonObject().put("images", new JsonArray().add(new JsonObject().put("filename", "d.png")
        .put("subfolder", "").put("type", "temp"))).put("animated", new JsonArray().add(false)));
    fake.onPrompt = g -> new Script().standardRun().succeed(outputs);

    JsonArray out = result(run("job-disk")).getJsonArray("outputs");

    assertThat(out).hasSize(4);
    assertThat(Base64.getDecoder().decode(out.getJsonObject(0).getString("base64"))).isEqualTo(a);
    Path dir = outputDir.resolve("job-disk");
    JsonObject onDiskB = out.getJsonObject(1);
    assertThat(onDiskB.containsKey("base64")).isFalse();
    assertThat(Path.of(onDiskB.getString("path"))).isEqualTo(dir.resolve("b.png"));
    assertThat(Files.readAllBytes(dir.resolve("b.png"))).isEqualTo(b);
    JsonObject onDiskVideo = out.getJsonObject(2);
    assertThat(onDiskVideo.getString("node")).isEqualTo("12");
    assertThat(onDiskVideo.getString("mime_type")).isEqualTo("video/mp4");
    assertThat(onDiskVideo.getLong("size_bytes")).isEqualTo(5_000L);
    assertThat(Path.of(onDiskVideo.getString("path")).startsWith(outputDir)).isTrue();
    assertThat(Files.readAllBytes(Path.of(onDiskVideo.getString("path")))).isEqualTo(video);
    assertThat(Base64.getDecoder().decode(out.getJsonObject(3).getString("base64"))).isEqualTo(d);
    assertThat(out.getJsonObject(3).getString("type")).isEqualTo("temp");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("b.png", "clip.mp4");
    }
    assertThat(fake.views).contains("clip.mp4|video|output");
  }

  @Test
  @DisplayName("execution_error fails the job with node, type and message; CUDA out of memory is retryable")
  void executionError() {
    connector();
    fake.onPrompt = g -> new Script().send("execution_start", new JsonObject()).executing("3")
      .fail("3", "KSampler", "torch.OutOfMemoryError", "CUDA out of memory. Tried to allocate 2.00 GiB");
    JobOutcome.Failure f = failure(run("job-oom"));
    assertThat(f.message()).contains("node 3", "KSampler", "CUDA out of memory");
    assertThat(f.retryable()).isTrue();
  }

  @Test
  @DisplayName("execution_error for a missing model is permanent")
  void missingModel() {
    connector();
    fake.onPrompt = g -> new Script().executing("1")
      .fail("1", "CheckpointLoaderSimple", "FileNotFoundError", "Model in folder 'checkpoints' with filename 'x.safetensors' not found.");
    JobOutcome.Failure f = failure(run("job-missing"));
    assertThat(f.message()).contains("node 1", "CheckpointLoaderSimple", "x.safetensors");
    assertThat(f.retryable()).isFalse();
  }

  @Test
  @DisplayName("a workflow ComfyUI refuses (HTTP 400 with node_errors) is a permanent failure naming the node and error")
  void validationError() {
    connector();
    fake.promptAnswer = body -> Map.entry(400, new JsonObject()
      .put("error", new JsonObject().put("type", "prompt_outputs_failed_validation")
        .put("message", "Prompt outputs failed validation").put("details", "").put("extra_info", new JsonObject()))
      .put("node_errors", new JsonObject().put("1", new JsonObject()
        .put("errors", new JsonArray().add(new JsonObject().put("type", "value_not_in_list").put("message", "Value not in list")
          .put("details", "ckpt_name: 'nope.safetensors' not in ['sdxl.safetensors']").put("extra_info", new JsonObject())))
        .put("dependent_outputs", new JsonArray().add("9")).put("class_type", "CheckpointLoaderSimple"))).encode());
    JobOutcome.Failure f = failure(run("job-invalid"));
    assertThat(f.retryable()).isFalse();
    assertThat(f.message()).contains("Prompt outputs failed validation", "node 1 (CheckpointLoaderSimple)",
      "Value not in list", "nope.safetensors");
  }

  @Test
  @DisplayName("/prompt answering something that is not JSON, or no prompt_id, is a failure, not a hang")
  void malformedPromptAnswer() {
    connector();
    fake.promptAnswer = body -> Map.entry(200, "<html>proxy error</html>");
    JobOutcome.Failure f = failure(run("job-garbage"));
    assertThat(f.message()).contains("/prompt", "not a JSON object");
    assertThat(f.retryable()).isTrue();

    fake.promptAnswer = body -> Map.entry(200, new JsonObject().put("number", 3).encode());
    assertThat(failure(run("job-no-id")).message()).contains("without a prompt_id");
  }

  @Test
  @DisplayName("/history answering garbage after the prompt finished is a failure, not a hang")
  void malformedHistory() {
    connector();
    fake.historyAnswer = "}{ not json";
    JobOutcome.Failure f = failure(run("job-bad-history"));
    assertThat(f.message()).contains("/history");
  }

  @Test
  @DisplayName("a prompt that finished before /prompt answered (events came first) still completes")
  void eventsBeforeAnswer() {
    connector();
    fake.files.put("ComfyUI_00001_.png", Buffer.buffer("x"));
    fake.onPrompt = g -> Script.success().beforeAnswer();
    assertThat(result(run("job-early")).getJsonArray("outputs")).hasSize(1);
  }

  @Test
  @DisplayName("a websocket dropped mid-job is reopened with the same clientId and the job goes on")
  void reconnects() {
    connector();
    fake.files.put("ComfyUI_00001_.png", Buffer.buffer("x"));
    fake.onPrompt = g -> new Script().executing("3").progress("3", 1, 4).dropSocket().pause(500)
      .progress("3", 3, 4).executing("9").succeed(imageOutputs("9", "ComfyUI_00001_.png"));
    assertThat(result(run("job-reconnect")).getJsonArray("outputs")).hasSize(1);
    String clientId = fake.prompts.get(0).getString("client_id");
    assertThat(fake.socketClientIds).hasSizeGreaterThanOrEqualTo(2).allMatch(clientId::equals);
  }

  @Test
  @DisplayName("a websocket that cannot come back: the outcome is recovered from /history")
  void recoversFromHistory() {
    connector();
    fake.files.put("ComfyUI_00001_.png", Buffer.buffer("late"));
    fake.onPrompt = g -> new Script().executing("3")
      .step(e -> fake.refuseSocketsUntil = System.currentTimeMillis() + 60_000)
      .dropSocket().pause(300)
      .succeedQuietly(imageOutputs("9", "ComfyUI_00001_.png"));
    JsonObject result = result(run("job-recover"));
    assertThat(Base64.getDecoder().decode(result.getJsonArray("outputs").getJsonObject(0).getString("base64")))
      .isEqualTo("late".getBytes());
    assertThat(fake.historyCalls.get()).isPositive();
  }

  @Test
  @DisplayName("a prompt ComfyUI lost (restarted: neither queued nor in history) fails retryably")
  void lostPrompt() {
    connector();
    fake.onPrompt = g -> new Script().executing("3").step(e -> {
      e.dropSocket();
      e.state = "gone";
    });
    JobOutcome.Failure f = failure(run("job-lost"));
    assertThat(f.message()).contains("lost prompt");
    assertThat(f.retryable()).isTrue();
  }

  @Test
  @DisplayName("ComfyUI gone mid-job: bounded reconnects and status checks, then a retryable failure (no hang)")
  void unreachableMidJob() {
    connector("EMP_COMFYUI_WS_RECONNECT_ATTEMPTS", "3");
    fake.onPrompt = g -> new Script().executing("3").progress("3", 1, 20);
    Job job = new Job("job-gone", new JsonObject().put("prompt", graph()));
    Future<JobOutcome> outcome = job.start();
    until("the prompt runs", () -> job.percents.size() > 1);
    fake.stop();
    JobOutcome.Failure f = failure(await(outcome));
    assertThat(f.retryable()).isTrue();
    assertThat(f.message()).contains("lost contact with ComfyUI");
  }

  @Test
  @DisplayName("cancel of a running prompt interrupts it at ComfyUI and ends the run cancelled")
  void cancelRunning() {
    connector();
    fake.onPrompt = g -> new Script().executing("3").progress("3", 1, 20);
    Job job = new Job("job-cancel", new JsonObject().put("prompt", graph()));
    Future<JobOutcome> outcome = job.start();
    until("the prompt runs", () -> fake.runningCount() == 1 && !job.percents.isEmpty());
    job.context.cancel("requested");
    assertThat(failure(await(outcome)).message()).isEqualTo("cancelled");
    String promptId = fake.history.keySet().iterator().next();
    assertThat(fake.interrupts).containsExactly(new JsonObject().put("prompt_id", promptId));
    assertThat(fake.queueDeletes).isEmpty();
  }

  @Test
  @DisplayName("cancel of a pending prompt deletes it from the queue without interrupting anything")
  void cancelPending() {
    connector();
    fake.onPrompt = g -> new Script().pending();
    Job job = new Job("job-pending", new JsonObject().put("prompt", graph()));
    Future<JobOutcome> outcome = job.start();
    until("the prompt is queued", () -> !job.percents.isEmpty());
    job.context.cancel("requested");
    assertThat(failure(await(outcome)).message()).isEqualTo("cancelled");
    assertThat(fake.queueDeletes).hasSize(1);
    assertThat(fake.interrupts).isEmpty();
  }

  @Test
  @DisplayName("a payload without prompt (or not an object) is a permanent failure naming prompt")
  void missingPrompt() {
    connector();
    JobOutcome.Failure f = failure(await(new Job("j", new JsonObject().put("workflow", graph())).start()));
    assertThat(f.retryable()).isFalse();
    assertThat(f.message()).contains("prompt");
    f = failure(await(new Job("j", new JsonObject().put("prompt", "a cat")).start()));
    assertThat(f.retryable()).isFalse();
    assertThat(f.message()).contains("prompt", "JSON object");
    f = failure(await(new Job("j", new JsonObject().put("prompt", new JsonObject().put("3", 1))).start()));
    assertThat(f.message()).contains("node 3", "class_type");
    assertThat(fake.prompts).isEmpty();
  }

  @Test
  @DisplayName("health is GET /system_stats: up, down with 'connection refused', down with the HTTP status")
  void health() {
    connector();
    assertThat(await(onContext(connector::health)).healthy()).isTrue();
    fake.systemStatsStatus = 500;
    ConnectorHealth h = await(onContext(connector::health));
    assertThat(h.healthy()).isFalse();
    assertThat(h.detail()).contains("500");
    fake.stop();
    h = await(onContext(connector::health));
    assertThat(h.healthy()).isFalse();
    assertThat(h.detail()).containsIgnoringCase("connection refused");
  }

  @Test
  @DisplayName("ComfyUI down: start succeeds, a job fails retryably")
  void downAtStart() {
    fake.stop();
    connector();
    JobOutcome.Failure f = failure(run("job-down"));
    assertThat(f.retryable()).isTrue();
  }

  @Test
  @DisplayName("capabilities: GPU name and VRAM from /system_stats, checkpoints and loras from /object_info")
  void capabilities() {
    connector("EMP_COMFYUI_SERVICE", "comfyui-gpu{n}");
    assertThat(connector.service()).isEqualTo("comfyui-gpu0");
    JsonObject caps = await(onContext(connector::capabilities));
    assertThat(caps.getJsonObject("hardware")).isEqualTo(new JsonObject()
      .put("gpu_model", "NVIDIA GeForce RTX 4090").put("gpu_memory_gb", 24));
    assertThat(caps.getJsonObject("models").getJsonArray("comfyui-gpu0"))
      .containsExactly("sdxl.safetensors", "sd15.ckpt", "detail.safetensors");
  }

  private static byte[] bytes(int n, char c) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) c);
    return b;
  }
}
