package io.emp.api;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.ClaimedJob;
import io.emp.core.model.WorkerCapabilities;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.testkit.RedisExtension;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Redis;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deploys a real {@link ApiVerticle} on a free port against the testkit's redis-server, in a fresh
 * namespace per test, and talks to it over HTTP. A {@link BrokerStore} on the same namespace plays the
 * worker, so jobs move without the worker module. Tests run on the JUnit thread and wait on futures.
 */
@ExtendWith(RedisExtension.class)
abstract class ApiTestBase {
  static final String TOKEN = "test-token-7f3a9c";
  static final String HOST = "127.0.0.1";

  protected static Vertx vertx;
  protected static Redis redis;
  protected Keys keys;
  protected BrokerStore store;
  protected ApiVerticle api;
  protected WebClient http;
  protected int port;
  private String deployment;

  @BeforeAll
  static void startClient() {
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, RedisExtension.shared().url(), 8);
    await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath()));
  }

  @AfterAll
  static void stopClient() {
    await(redis.close());
    await(vertx.close());
  }

  @BeforeEach
  void deployApi() {
    keys = new Keys(RedisExtension.freshNamespace().value());
    store = new BrokerStore(redis, keys);
    api = new ApiVerticle(ApiConfig.from(EnvConfig.of(env())));
    deployment = await(vertx.deployVerticle(api));
    port = api.actualPort();
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost(HOST).setDefaultPort(port));
  }

  @AfterEach
  void undeployApi() {
    if (http != null) {
      http.close();
    }
    if (deployment != null) {
      await(vertx.undeploy(deployment));
    }
  }

  /** The api's environment; tests override to change settings. */
  Map<String, String> env() {
    return baseEnv(keys.namespace());
  }

  static Map<String, String> baseEnv(String namespace) {
    Map<String, String> env = new HashMap<>();
    env.put("EMP_REDIS_URL", RedisExtension.shared().url());
    env.put("EMP_NAMESPACE", namespace);
    env.put("EMP_API_PORT", "0");
    env.put("EMP_API_HOST", HOST);
    env.put("EMP_API_TOKEN", TOKEN);
    return env;
  }

  HttpRequest<Buffer> request(HttpMethod method, String uri) {
    return http.request(method, uri).bearerTokenAuthentication(TOKEN);
  }

  HttpResponse<Buffer> get(String uri) {
    return await(request(HttpMethod.GET, uri).send());
  }

  HttpResponse<Buffer> post(String uri, JsonObject body) {
    return await(request(HttpMethod.POST, uri).sendJsonObject(body));
  }

  HttpResponse<Buffer> post(String uri) {
    return await(request(HttpMethod.POST, uri).send());
  }

  /** Submits through the api and returns the new job's id. */
  String submit(JsonObject body) {
    HttpResponse<Buffer> r = post("/api/jobs", body);
    if (r.statusCode() != 201) {
      throw new AssertionError("submit failed: " + r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject().getString("id");
  }

  String submit(String service) {
    return submit(new JsonObject().put("service", service));
  }

  JsonObject job(String id) {
    HttpResponse<Buffer> r = get("/api/jobs/" + id);
    if (r.statusCode() != 200) {
      throw new AssertionError("read of " + id + " failed: " + r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  // --- the fake worker ---------------------------------------------------------------------------

  void registerWorker(String workerId, String machine, String... services) {
    await(store.registerWorker(workerId, machine, WorkerCapabilities.of(services), 1, null));
  }

  ClaimedJob claimOne(String workerId) {
    List<ClaimedJob> got = await(store.claim(workerId, 1, false));
    if (got.size() != 1) {
      throw new AssertionError(workerId + " claimed " + got.size() + " jobs");
    }
    return got.get(0);
  }

  /** Waits (up to 5 s) for a count that other connections release asynchronously; returns its last value. */
  static int awaitCount(java.util.function.IntSupplier count, int expected) {
    for (int i = 0; i < 100 && count.getAsInt() != expected; i++) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return count.getAsInt();
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }
}
