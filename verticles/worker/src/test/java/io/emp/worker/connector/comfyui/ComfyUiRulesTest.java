package io.emp.worker.connector.comfyui;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.worker.connector.JobOutcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The pure parts: progress mapping, failure classification, output listing, queue and system info. */
class ComfyUiRulesTest {

  @Test
  @DisplayName("progress: cached nodes are left out, each node is a share, value/max interpolates within it")
  void progressAcrossTheGraph() {
    ProgressTracker t = new ProgressTracker(FakeComfyUi.graph()); // 5 nodes
    t.cached(new JsonArray().add("1").add("2").add("not-in-graph"));
    assertThat(t.toRun()).isEqualTo(3);
    t.executing("3");
    assertThat(t.percent()).isZero();
    t.progress("3", 10, 20);
    assertThat(t.percent()).isCloseTo(100.0 / 6, org.assertj.core.data.Offset.offset(0.01));
    assertThat(t.message()).isEqualTo("node 1/3 KSampler 50%");
    t.executing("4");
    assertThat(t.percent()).isCloseTo(100.0 / 3, org.assertj.core.data.Offset.offset(0.01));
    assertThat(t.message()).isEqualTo("node 2/3 VAEDecode 0%");
    t.executing("9");
    t.executed("9");
    assertThat(t.percent()).isEqualTo(ProgressTracker.MAX_BEFORE_DONE);
  }

  @Test
  @DisplayName("progress never goes backwards (a second sampler pass restarts value at 0)")
  void progressIsMonotonic() {
    ProgressTracker t = new ProgressTracker(FakeComfyUi.graph());
    t.executing("3");
    t.progress(null, 15, 20);
    double high = t.percent();
    t.progress(null, 1, 20);
    assertThat(t.percent()).isEqualTo(high);
  }

  @Test
  @DisplayName("retryable: GPU and environment failures; permanent: validation kinds and missing models or files")
  void classification() {
    assertThat(ComfyUiFailures.retryable("torch.OutOfMemoryError", "CUDA out of memory. Tried to allocate 2 GiB")).isTrue();
    assertThat(ComfyUiFailures.retryable("RuntimeError", "CUDA error: an illegal memory access was encountered")).isTrue();
    assertThat(ComfyUiFailures.retryable("RuntimeError", "something odd")).isTrue();
    assertThat(ComfyUiFailures.retryable("FileNotFoundError", "[Errno 2] No such file or directory: 'x.png'")).isFalse();
    assertThat(ComfyUiFailures.retryable("Exception", "Model in folder 'checkpoints' with filename 'a' not found.")).isFalse();
    assertThat(ComfyUiFailures.retryable("ValueError", "height must be a multiple of 8")).isFalse();
    assertThat(ComfyUiFailures.retryable("comfy.PromptValidationError", "bad input")).isFalse();
    assertThat(ComfyUiFailures.retryable("KeyError", "'model'")).isFalse();
  }

  @Test
  @DisplayName("a failed history entry gives the recorded execution_error; a successful one gives null")
  void historyFailure() {
    JsonObject data = new JsonObject().put("node_id", "4").put("node_type", "VAEDecode")
      .put("exception_type", "RuntimeError").put("exception_message", "CUDA error");
    JsonObject failed = FakeComfyUi.historyEntry("p", new JsonObject(), "error",
      new JsonArray().add(new JsonArray().add("execution_start").add(new JsonObject()))
        .add(new JsonArray().add("execution_error").add(data)));
    JobOutcome.Failure f = (JobOutcome.Failure) ComfyUiFailures.fromHistory(failed);
    assertThat(f.message()).contains("node 4 (VAEDecode)", "CUDA error");
    assertThat(f.retryable()).isTrue();
    assertThat(ComfyUiFailures.fromHistory(FakeComfyUi.historyEntry("p", new JsonObject(), "success", new JsonArray()))).isNull();
    assertThat(ComfyUiFailures.fromHistory(new JsonObject().put("outputs", new JsonObject()))).isNull();
  }

  @Test
  @DisplayName("every list of {filename, subfolder, type} in the outputs is a file; other values are skipped")
  void outputListing() {
    JsonObject outputs = new JsonObject()
      .put("9", new JsonObject().put("images", new JsonArray()
        .add(new JsonObject().put("filename", "a.png").put("subfolder", "x").put("type", "output"))))
      .put("12", new JsonObject()
        .put("gifs", new JsonArray().add(new JsonObject().put("filename", "v.mp4")))
        .put("animated", new JsonArray().add(true))
        .put("text", new JsonArray().add("hello")))
      .put("15", new JsonObject().put("audio", new JsonArray()
        .add(new JsonObject().put("filename", "s.flac").put("subfolder", "").put("type", "temp"))));
    assertThat(OutputFiles.list(outputs)).containsExactly(
      new OutputFiles.OutputFile("9", "a.png", "x", "output"),
      new OutputFiles.OutputFile("12", "v.mp4", "", "output"),
      new OutputFiles.OutputFile("15", "s.flac", "", "temp"));
    assertThat(OutputFiles.safeName("../../etc/passwd")).isEqualTo("passwd");
    assertThat(OutputFiles.safeName("..")).isEqualTo("output");
    assertThat(OutputFiles.safeName("my image (1).png")).isEqualTo("my_image__1_.png");
    assertThat(OutputFiles.mimeType(null, "x.webm")).isEqualTo("video/webm");
    assertThat(OutputFiles.mimeType("image/png; charset=binary", "x")).isEqualTo("image/png");
  }

  @Test
  @DisplayName("queue items are [number, prompt_id, prompt, extra, outputs]")
  void queueState() {
    QueueState q = QueueState.from(new JsonObject()
      .put("queue_running", new JsonArray().add(new JsonArray().add(3).add("run-1").add(new JsonObject())))
      .put("queue_pending", new JsonArray().add(new JsonArray().add(4).add("pend-1")).add(new JsonObject().put("prompt_id", "pend-2"))));
    assertThat(q.running()).containsExactly("run-1");
    assertThat(q.pending()).containsExactlyInAnyOrder("pend-1", "pend-2");
    assertThat(q.contains("pend-2")).isTrue();
    assertThat(QueueState.from(new JsonObject()).contains("x")).isFalse();
  }

  @Test
  @DisplayName("system info: GPU model without device prefix and allocator, VRAM in GB; no GPU on cpu")
  void systemInfo() {
    assertThat(SystemInfo.gpuModel("cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync")).isEqualTo("NVIDIA GeForce RTX 4090");
    assertThat(SystemInfo.gpuModel("cuda:1 NVIDIA A100-SXM4-80GB : native")).isEqualTo("NVIDIA A100-SXM4-80GB");
    JsonObject stats = new JsonObject().put("devices", new JsonArray().add(new JsonObject()
      .put("name", "cuda:0 NVIDIA RTX A4000 : cudaMallocAsync").put("type", "cuda").put("vram_total", 17_170_956_288L)));
    assertThat(SystemInfo.hardware(stats)).isEqualTo(new JsonObject().put("gpu_model", "NVIDIA RTX A4000").put("gpu_memory_gb", 16));
    assertThat(SystemInfo.hardware(new JsonObject().put("devices", new JsonArray().add(new JsonObject()
      .put("name", "cpu").put("type", "cpu"))))).isNull();
    assertThat(SystemInfo.choices(new JsonObject(), "CheckpointLoaderSimple", "ckpt_name")).isEqualTo(List.of());
  }
}
