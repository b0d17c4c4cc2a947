package io.emp.worker.connector.comfyui;

import static io.emp.worker.connector.comfyui.FakeComfyUi.graph;
import static io.emp.worker.connector.comfyui.FakeComfyUi.imageOutputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.core.model.JobSubmission;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.emp.worker.WorkerRole;
import io.emp.worker.connector.ConnectorRegistry;
import io.emp.worker.connector.comfyui.FakeComfyUi.Script;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connector inside the worker runtime: a real worker role against the testkit's redis-server (a fresh
 * namespace per test) and the fake ComfyUI. Timeouts, cancels, retries and health go through the broker.
 */
@ExtendWith(RedisExtension.class)
@Timeout(60)
class ComfyUiWorkerTest {
  private static Vertx vertx;
  private static Redis redis;
  private static RedisServer server;
  private Keys keys;
  private BrokerStore store;
  private FakeComfyUi fake;
  private final List<String> deployments = new ArrayList<>();
  @TempDir
  Path outputDir;

  @BeforeAll
  static void startClient() {
    server = RedisExtension.shared();
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, server.url(), 8);
    await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath()));
  }

  @AfterAll
  static void stopClient() {
    await(redis.close());
    await(vertx.close());
  }

  @BeforeEach
  void fresh() {
    keys = new Keys(RedisExtension.freshNamespace().value());
    store = new BrokerStore(redis, keys);
    fake = new FakeComfyUi(vertx).start(0);
    fake.files.put("ComfyUI_00001_.png", Buffer.buffer("png bytes"));
  }

  @AfterEach
  void cleanUp() {
    for (String id : List.copyOf(deployments)) {
      await(vertx.undeploy(id));
    }
    fake.stop();
  }

  private String deploy(String... overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
      "EMP_REDIS_URL", server.url(),
      "EMP_NAMESPACE", keys.namespace(),
      "EMP_MACHINE_ID", "m1",
      "EMP_HEALTH_PORT", "-1",
      "EMP_CONNECTORS", "comfyui",
      "EMP_COMFYUI_URL", fake.url(),
      "EMP_OUTPUT_DIR", outputDir.toString(),
      "EMP_COMFYUI_WS_RECONNECT_MS", "100",
      "EMP_SHUTDOWN_GRACE_MS", "1000"));
    for (int i = 0; i + 1 < overrides.length; i += 2) {
      if (overrides[i + 1] == null) {
        env.remove(overrides[i]);
      } else {
        env.put(overrides[i], overrides[i + 1]);
      }
    }
    WorkerRole role = new WorkerRole(EnvConfig.of(env), ConnectorRegistry.defaults());
    deployments.add(await(vertx.deployVerticle(role)));
    return role.workerIds().get(0);
  }

  private String submit(JsonObject payload, Object... fields) {
    JsonObject body = new JsonObject().put("service", "comfyui").put("payload", payload);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return await(store.submit(JobSubmission.fromJson(body, JobSubmission.DEFAULT_MAX_PAYLOAD_BYTES))).id();
  }

  private Job job(String id) {
    return await(store.getJob(id));
  }

  private Job awaitStatus(String id, JobStatus status) {
    until("job " + id + " is " + status.wire(), 20_000, () -> job(id).status() == status);
    return job(id);
  }

  private JsonObject worker(String id) {
    for (Object o : await(store.workers(null))) {
      if (id.equals(((JsonObject) o).getString("id"))) {
        return (JsonObject) o;
      }
    }
    return null;
  }

  @Test
  @DisplayName("a job completes through the worker (worker 0 on EMP_COMFYUI_BASE_PORT), GPU and models in its capabilities")
  void completes() {
    String w = deploy("EMP_COMFYUI_URL", null, "EMP_COMFYUI_HOST", "127.0.0.1",
      "EMP_COMFYUI_BASE_PORT", String.valueOf(fake.port()));
    JsonObject caps = worker(w).getJsonObject("capabilities");
    assertThat(caps.getJsonArray("services")).containsExactly("comfyui");
    assertThat(caps.getJsonObject("hardware").getString("gpu_model")).isEqualTo("NVIDIA GeForce RTX 4090");
    assertThat(caps.getJsonObject("hardware").getInteger("gpu_memory_gb")).isEqualTo(24);
    assertThat(caps.getJsonObject("models").getJsonArray("comfyui")).contains("sdxl.safetensors", "detail.safetensors");

    String id = submit(new JsonObject().put("prompt", graph()));
    Job done = awaitStatus(id, JobStatus.COMPLETED);
    JsonObject result = new JsonObject(done.result());
    assertThat(result.getJsonArray("outputs").getJsonObject(0).getString("base64")).isNotBlank();
    assertThat(done.progress()).isEqualTo(100.0);
  }

  @Test
  @DisplayName("timeout_s passes: the worker cancels, ComfyUI gets /interrupt, the job fails with reason timeout")
  void timeout() {
    deploy();
    fake.onPrompt = g -> new Script().executing("3").progress("3", 1, 100);
    String id = submit(new JsonObject().put("prompt", graph()), "timeout_s", 1, "max_attempts", 1);
    Job failed = awaitStatus(id, JobStatus.FAILED);
    assertThat(failed.failReason()).isEqualTo("timeout");
    assertThat(fake.interrupts).hasSize(1);
  }

  @Test
  @DisplayName("a cancel through the broker interrupts the running prompt; the job ends cancelled")
  void cancel() {
    deploy();
    fake.onPrompt = g -> new Script().executing("3").progress("3", 1, 100);
    String id = submit(new JsonObject().put("prompt", graph()));
    until("the prompt runs", 10_000, () -> fake.runningCount() == 1 && job(id).status() == JobStatus.RUNNING);
    await(store.cancel(id));
    awaitStatus(id, JobStatus.CANCELLED);
    assertThat(fake.interrupts).hasSize(1);
  }

  @Test
  @DisplayName("a payload without prompt fails permanently: one attempt of three, the error names prompt")
  void missingPromptNotRetried() {
    deploy();
    String id = submit(new JsonObject().put("workflow", graph()), "max_attempts", 3);
    Job failed = awaitStatus(id, JobStatus.FAILED);
    assertThat(failed.failures()).isEqualTo(1);
    assertThat(failed.error()).contains("prompt");
    assertThat(fake.prompts).isEmpty();
  }

  @Test
  @DisplayName("ComfyUI down withdraws the service; back up, the service returns and a queued job runs")
  void withdrawAndRestore() {
    String w = deploy("EMP_CONNECTOR_HEALTH_MS", "100");
    assertThat(worker(w).getJsonArray("services")).containsExactly("comfyui");
    int port = fake.port();
    fake.stop();
    until("service withdrawn", 10_000, () -> worker(w).getJsonArray("services").isEmpty());
    JsonObject status = worker(w).getJsonObject("connectors").getJsonObject("comfyui");
    assertThat(status.getString("status")).isEqualTo("down");
    assertThat(status.getString("detail")).containsIgnoringCase("connection refused");

    String id = submit(new JsonObject().put("prompt", graph()));
    sleep(500);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);

    fake.start(port);
    awaitStatus(id, JobStatus.COMPLETED);
    JsonObject back = worker(w);
    assertThat(back.getJsonArray("services")).containsExactly("comfyui");
    assertThat(back.getJsonObject("connectors").getJsonObject("comfyui").getString("status")).isEqualTo("up");
    assertThat(back.getJsonObject("capabilities").getJsonObject("hardware").getString("gpu_model"))
      .isEqualTo("NVIDIA GeForce RTX 4090");
  }

  @Test
  @DisplayName("a retryable execution error is retried; the second attempt succeeds")
  void retriesRetryableErrors() {
    await(store.configure(Map.of("retry_avoid_ms", 0)));
    deploy();
    fake.onPrompt = g -> fake.prompts.size() == 1
      ? new Script().executing("3").fail("3", "KSampler", "torch.OutOfMemoryError", "CUDA out of memory")
      : new Script().standardRun().succeed(imageOutputs("9", "ComfyUI_00001_.png"));
    String id = submit(new JsonObject().put("prompt", graph()), "max_attempts", 2,
      "backoff", new JsonObject().put("base_ms", 10).put("cap_ms", 10));
    awaitStatus(id, JobStatus.COMPLETED);
    assertThat(fake.prompts).hasSize(2);
  }

  private static void until(String what, long timeoutMs, Supplier<Boolean> condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.get()) {
      if (System.currentTimeMillis() > deadline) {
        fail("timed out after %d ms waiting until %s", timeoutMs, what);
      }
      sleep(20);
    }
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
