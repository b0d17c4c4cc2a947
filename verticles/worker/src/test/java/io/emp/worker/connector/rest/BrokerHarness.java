package io.emp.worker.connector.rest;

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
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorRegistry;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * For connector tests: the testkit's real redis-server with a fresh namespace per test, worker roles
 * deployed with the default registry, and helpers to run a connector directly on a Vert.x context with
 * a recording {@link JobContext}. (The worker package's own {@code WorkerTestBase} is package-private.)
 */
@ExtendWith(RedisExtension.class)
public abstract class BrokerHarness {
  protected static Vertx vertx;
  protected static Redis redis;
  protected static RedisServer server;
  protected Keys keys;
  protected BrokerStore store;
  private final List<String> deployments = new ArrayList<>();

  /** Progress a directly run connector reported, in order. */
  protected final List<Double> progress = new CopyOnWriteArrayList<>();
  protected final List<String> messages = new CopyOnWriteArrayList<>();

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
  void freshNamespace() {
    keys = new Keys(RedisExtension.freshNamespace().value());
    store = new BrokerStore(redis, keys);
  }

  @AfterEach
  void undeployAll() {
    for (String id : List.copyOf(deployments)) {
      deployments.remove(id);
      await(vertx.undeploy(id));
    }
  }

  /** Worker settings: this namespace, machine m1, no health port, short grace, plus {@code overrides} pairs. */
  protected Map<String, String> env(String... overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
      "EMP_REDIS_URL", server.url(),
      "EMP_NAMESPACE", keys.namespace(),
      "EMP_MACHINE_ID", "m1",
      "EMP_HEALTH_PORT", "-1",
      "EMP_SHUTDOWN_GRACE_MS", "1000",
      "EMP_HEARTBEAT_MS", "500",
      "EMP_LEASE_MS", "5000"));
    for (int i = 0; i + 1 < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }

  /** Deploys a worker role with the default connectors; undeployed after the test. Returns its first worker id. */
  protected String deploy(Map<String, String> env) {
    WorkerRole role = new WorkerRole(EnvConfig.of(env), ConnectorRegistry.defaults());
    deployments.add(await(vertx.deployVerticle(role)));
    return role.workerIds().get(0);
  }

  protected String submit(JsonObject body) {
    return await(store.submit(JobSubmission.fromJson(body, JobSubmission.DEFAULT_MAX_PAYLOAD_BYTES))).id();
  }

  protected String submit(String service, JsonObject payload, Object... fields) {
    JsonObject body = new JsonObject().put("service", service).put("payload", payload);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return submit(body);
  }

  protected Job job(String id) {
    return await(store.getJob(id));
  }

  protected Job awaitStatus(String id, JobStatus status, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Job j;
    while ((j = job(id)).status() != status) {
      if (System.currentTimeMillis() > deadline) {
        fail("job %s is %s after %d ms, expected %s (error: %s)", id, j.status().wire(), timeoutMs, status.wire(),
          j.error());
      }
      sleep(20);
    }
    return j;
  }

  protected JsonObject workerInfo(String workerId) {
    for (Object o : await(store.workers(null))) {
      JsonObject w = (JsonObject) o;
      if (workerId.equals(w.getString("id"))) {
        return w;
      }
    }
    return null;
  }

  protected JsonArray services(String workerId) {
    return workerInfo(workerId).getJsonArray("services");
  }

  /** The job's events of one type, oldest first. */
  protected List<Map<String, String>> events(String jobId, String type) {
    Response r = await(redis.send(Request.cmd(Command.XRANGE).arg(keys.events()).arg("-").arg("+")));
    List<Map<String, String>> out = new ArrayList<>();
    for (Response entry : r) {
      Response fields = entry.get(1);
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        m.put(fields.get(i).toString(), fields.get(i + 1).toString());
      }
      if (jobId.equals(m.get("job")) && type.equals(m.get("type"))) {
        out.add(m);
      }
    }
    return out;
  }

  /** A job context recording progress into {@link #progress} and {@link #messages}. */
  protected JobContext jobContext(String service, JsonObject payload) {
    return new JobContext("job-" + System.nanoTime(), service, payload, 1, (pct, msg) -> {
      progress.add(pct);
      messages.add(msg);
    });
  }

  protected static ConnectorEnv connectorEnv(int workerIndex) {
    return new ConnectorEnv(vertx, "m1", "m1-worker-" + workerIndex, workerIndex);
  }

  /** Runs {@code action} on a fresh event-loop context, as the worker would, and returns its future. */
  protected static <T> Future<T> onContext(Supplier<Future<T>> action) {
    Context context = vertx.getOrCreateContext();
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(p));
    return p.future();
  }

  /** Waits for a directly run connector's outcome. */
  protected static JobOutcome outcome(Future<JobOutcome> f, long timeoutMs) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the connector did not finish within " + timeoutMs + " ms (it hangs)");
    } catch (ExecutionException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  protected static JobOutcome.Failure failure(JobOutcome o) {
    if (!(o instanceof JobOutcome.Failure f)) {
      throw new AssertionError("expected a failure, got " + o);
    }
    return f;
  }

  protected static JsonObject success(JobOutcome o) {
    if (!(o instanceof JobOutcome.Success s)) {
      throw new AssertionError("expected a success, got " + o);
    }
    return s.result();
  }

  public static void until(String what, long timeoutMs, Supplier<Boolean> condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.get()) {
      if (System.currentTimeMillis() > deadline) {
        fail("timed out after %d ms waiting until %s", timeoutMs, what);
      }
      sleep(20);
    }
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
