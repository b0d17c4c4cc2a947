package io.emp.worker.connector;

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
import io.vertx.core.Future;
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
 * A worker role with the default connector registry deployed against the testkit's real redis-server,
 * a fresh namespace per test, and a separate client for the test's own broker calls; shared by the
 * connector packages' worker tests (Ollama, OpenAI). (A slim copy of
 * {@code io.emp.worker.WorkerTestBase}, which is package-private there.)
 */
@ExtendWith(RedisExtension.class)
public abstract class WorkerHarness {
  protected static Vertx vertx;
  protected static Redis redis;
  protected static RedisServer server;
  protected Keys keys;
  protected BrokerStore store;
  private final List<String> deployments = new ArrayList<>();

  @BeforeAll
  protected static void startClient() {
    server = RedisExtension.shared();
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, server.url(), 8);
    await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath()));
  }

  @AfterAll
  protected static void stopClient() {
    await(redis.close());
    await(vertx.close());
  }

  @BeforeEach
  protected void freshNamespace() {
    keys = new Keys(RedisExtension.freshNamespace().value());
    store = new BrokerStore(redis, keys);
  }

  @AfterEach
  protected void undeployAll() {
    for (String id : List.copyOf(deployments)) {
      deployments.remove(id);
      await(vertx.undeploy(id));
    }
  }

  /** This namespace, machine m1, no health port, a one-second shutdown grace, plus the overrides. */
  protected Map<String, String> env(String... overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
      "EMP_REDIS_URL", server.url(),
      "EMP_NAMESPACE", keys.namespace(),
      "EMP_MACHINE_ID", "m1",
      "EMP_HEALTH_PORT", "-1",
      "EMP_SHUTDOWN_GRACE_MS", "1000"));
    for (int i = 0; i + 1 < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }

  /** Deploys a worker role with the shipped connectors; returns its first worker id. */
  protected String deploy(Map<String, String> env) {
    WorkerRole role = new WorkerRole(EnvConfig.of(env), ConnectorRegistry.defaults());
    deployments.add(await(vertx.deployVerticle(role)));
    return role.workerIds().get(0);
  }

  protected String submit(JsonObject body) {
    return await(store.submit(JobSubmission.fromJson(body, JobSubmission.DEFAULT_MAX_PAYLOAD_BYTES))).id();
  }

  protected Job job(String id) {
    return await(store.getJob(id));
  }

  protected Job awaitStatus(String id, JobStatus status, long timeoutMs) {
    until("job " + id + " is " + status.wire(), timeoutMs, () -> job(id).status() == status);
    return job(id);
  }

  protected JsonObject workerInfo(String workerId) {
    JsonArray all = await(store.workers(null));
    for (Object o : all) {
      JsonObject w = (JsonObject) o;
      if (workerId.equals(w.getString("id"))) {
        return w;
      }
    }
    return null;
  }

  /** This namespace's events of one job and type, oldest first, as field maps. */
  protected List<Map<String, String>> events(String jobId, String type) {
    return events().stream().filter(m -> jobId.equals(m.get("job")) && type.equals(m.get("type"))).toList();
  }

  /** Every event of this namespace, oldest first, as field maps. */
  protected List<Map<String, String>> events() {
    Response r = await(redis.send(Request.cmd(Command.XRANGE).arg(keys.events()).arg("-").arg("+")));
    List<Map<String, String>> out = new ArrayList<>();
    for (Response entry : r) {
      Response fields = entry.get(1);
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        m.put(fields.get(i).toString(), fields.get(i + 1).toString());
      }
      out.add(m);
    }
    return out;
  }

  protected static void until(String what, long timeoutMs, Supplier<Boolean> condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.get()) {
      if (System.currentTimeMillis() > deadline) {
        fail("timed out after %d ms waiting until %s", timeoutMs, what);
      }
      sleep(20);
    }
  }

  protected static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  protected static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
