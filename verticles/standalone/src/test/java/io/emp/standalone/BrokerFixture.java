package io.emp.standalone;

import io.emp.api.ApiVerticle;
import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.events.BrokerEvent;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A broker for end-to-end tests: roles deployed in this JVM against the testkit's real Redis in a
 * fresh namespace, driven through HTTP only (java.net.http on the test thread). Redis is read
 * directly only to check invariants (the event stream).
 */
final class BrokerFixture implements AutoCloseable {
  static final String TOKEN = "e2e-token";
  final RedisServer server = RedisExtension.shared();
  final String namespace = RedisExtension.freshNamespace().value();
  final Vertx vertx = Vertx.vertx();
  final Redis redis = RedisClients.create(vertx, server.url(), 4);
  final BrokerStore store = new BrokerStore(redis, new Keys(namespace));
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int apiPort = -1;

  /** The environment every role of this broker reads, plus {@code extra}. */
  EnvConfig env(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of(
      "EMP_REDIS_URL", server.url(),
      "EMP_NAMESPACE", namespace,
      "EMP_API_PORT", "0",
      "EMP_MONITOR_PORT", "0",
      "EMP_API_TOKEN", TOKEN,
      "EMP_HEALTH_PORT", "-1",
      "EMP_REAP_INTERVAL_MS", "200",
      "EMP_PROMOTE_INTERVAL_MS", "50",
      "EMP_STATS_INTERVAL_MS", "1000"));
    m.putAll(extra);
    return EnvConfig.of(m);
  }

  /** api + router + simulation workers in this JVM. */
  BrokerFixture standalone(Map<String, String> extra) {
    StandaloneVerticle s = new StandaloneVerticle(StandaloneSettings.apply(env(extra)).env());
    deploy(s);
    apiPort = s.apiPort();
    return this;
  }

  /** api + router only: workers come from other processes. */
  BrokerFixture controlPlane(Map<String, String> extra) {
    EnvConfig env = env(extra);
    deploy(new RouterVerticle(RouterConfig.from(env)));
    ApiVerticle api = ApiVerticle.fromEnv(env);
    deploy(api);
    apiPort = api.actualPort();
    return this;
  }

  /** The environment for a worker JVM of this broker. */
  Map<String, String> workerEnv(String machine, Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of(
      "EMP_REDIS_URL", server.url(),
      "EMP_NAMESPACE", namespace,
      "EMP_MACHINE_ID", machine,
      "EMP_HEALTH_PORT", "0",
      "EMP_CONNECTORS", "simulation"));
    m.putAll(extra);
    return m;
  }

  private void deploy(Deployable d) {
    await(vertx.deployVerticle(d));
  }

  String base() {
    return "http://127.0.0.1:" + apiPort;
  }

  HttpResponse<String> request(String method, String path, JsonObject body, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + ": " + e, e);
    }
  }

  JsonObject submit(JsonObject job) {
    HttpResponse<String> r = request("POST", "/api/jobs", job, TOKEN);
    if (r.statusCode() != 201 && r.statusCode() != 200) {
      throw new AssertionError("submit returned " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }

  JsonObject job(String id) {
    HttpResponse<String> r = request("GET", "/api/jobs/" + id, null, TOKEN);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET job " + id + " returned " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }

  JsonObject awaitStatus(String id, String status, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    JsonObject j = job(id);
    while (!status.equals(j.getString("status"))) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("job " + id + " is " + j.getString("status") + ", expected " + status + ": " + j.encode());
      }
      sleep(25);
      j = job(id);
    }
    return j;
  }

  /** Every event of the namespace stream, oldest first. */
  List<BrokerEvent> events() {
    Response r = await(redis.send(Request.cmd(Command.XRANGE).arg(new Keys(namespace).events()).arg("-").arg("+")));
    List<BrokerEvent> out = new ArrayList<>();
    for (Response e : r) {
      out.add(BrokerEvent.fromEntry(e));
    }
    return out;
  }

  JsonArray workers() {
    return new JsonArray(request("GET", "/api/workers", null, TOKEN).body());
  }

  static void eventually(String what, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + timeoutMs + " ms: " + what);
      }
      sleep(25);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() == null ? e : e.getCause());
    }
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
