package io.emp.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.JobStatus;
import io.emp.core.model.JobSubmission;
import io.emp.core.model.WorkerCapabilities;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.emp.testkit.TestNamespace;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class RouterVerticleTest {
  private Vertx vertx;
  private Redis redis;
  private BrokerStore store;
  private String namespace;
  private RedisServer server;

  @BeforeEach
  void setUp(RedisServer server, TestNamespace ns) {
    this.server = server;
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, server.url(), 4);
    namespace = ns.value();
    store = new BrokerStore(redis, new Keys(namespace));
    await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath()));
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private RouterVerticle deploy(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of(
      "EMP_REDIS_URL", server.url(), "EMP_NAMESPACE", namespace, "EMP_HEALTH_PORT", "0",
      "EMP_REAP_INTERVAL_MS", "50", "EMP_PROMOTE_INTERVAL_MS", "50", "EMP_STATS_INTERVAL_MS", "100"));
    env.putAll(extra);
    RouterVerticle router = new RouterVerticle(RouterConfig.from(EnvConfig.of(env)));
    await(vertx.deployVerticle(router));
    return router;
  }

  @Test
  @DisplayName("an expired lease is requeued by the router without anyone calling reap")
  void reapsExpiredLeases() {
    deploy(Map.of());
    String id = await(store.submit(JobSubmission.of("s", new JsonObject()))).id();
    await(store.registerWorker("w", "m", WorkerCapabilities.of("s"), 1, 150L));
    assertThat(await(store.claim("w", 1, false))).hasSize(1);
    eventually(() -> await(store.getJob(id)).status() == JobStatus.QUEUED);
    assertThat(await(store.getJob(id)).losses()).isEqualTo(1);
  }

  @Test
  @DisplayName("a due delayed job is promoted and an idle worker is woken, with no claim in between")
  void promotesAndWakes() {
    deploy(Map.of());
    await(store.registerWorker("w", "m", WorkerCapabilities.of("s"), 1, null));
    assertThat(await(store.claim("w", 1, true))).isEmpty();
    String id = await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "s").put("delay_ms", 200),
      1 << 20))).id();
    eventually(() -> await(store.getJob(id)).status() == JobStatus.QUEUED);
    Long wakes = await(redis.send(Request.cmd(Command.LLEN).arg(new Keys(namespace).workerWake("w")))).toLong();
    assertThat(wakes).isEqualTo(1);
  }

  @Test
  @DisplayName("namespace settings from EMP_* variables are applied at start; unset ones are left alone")
  void appliesSettings() {
    deploy(Map.of("EMP_RETRY_AVOID_MS", "1234", "EMP_POISON_LOSSES", "5"));
    var cfg = await(redis.send(Request.cmd(Command.HGETALL).arg(new Keys(namespace).config())));
    assertThat(cfg.get("retry_avoid_ms").toString()).isEqualTo("1234");
    assertThat(cfg.get("poison_losses").toString()).isEqualTo("5");
    assertThat(cfg.containsKey("events_maxlen")).isFalse();
  }

  @Test
  @DisplayName("health, readiness and Prometheus queue gauges are served on the health port")
  void healthAndMetrics() throws Exception {
    RouterVerticle router = deploy(Map.of());
    await(store.submit(JobSubmission.of("comfyui", new JsonObject())));
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + router.healthPort();
    assertThat(get(http, base + "/health").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get(http, base + "/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getBoolean("ready")).isTrue();
    eventually(() -> {
      try {
        String m = get(http, base + "/metrics").body();
        return m.contains("emp_queue_depth{pool=\"none\",service=\"comfyui\"} 1.0");
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  @DisplayName("two routers on one namespace act on each expired lease once")
  void twoRoutersAreSafe() {
    deploy(Map.of());
    deploy(Map.of());
    for (int i = 0; i < 20; i++) {
      await(store.submit(JobSubmission.of("s", new JsonObject())));
    }
    await(store.registerWorker("w", "m", WorkerCapabilities.of("s"), 20, 150L));
    assertThat(await(store.claim("w", 20, false))).hasSize(20);
    eventually(() -> await(store.stats()).getJsonObject("statuses").getInteger("queued") == 20);
    JsonObject counters = await(store.stats()).getJsonObject("counters");
    assertThat(counters.getInteger("lost")).isEqualTo(20);
  }

  @Test
  @DisplayName("a bad router setting is refused with the variable named")
  void badSetting() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouterConfig.from(EnvConfig.of(Map.of("EMP_REAP_INTERVAL_MS", "often"))))
      .hasMessageContaining("EMP_REAP_INTERVAL_MS");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouterConfig.from(EnvConfig.of(Map.of("EMP_POISON_LOSSES", "0"))))
      .hasMessageContaining("EMP_POISON_LOSSES");
  }

  @Test
  @DisplayName("EMP_POOLS_POLICY is applied at start; a bad policy fails the start naming the field; off clears it")
  void poolsPolicy() {
    deploy(Map.of("EMP_POOLS_POLICY", "{\"fallback\":{\"fast\":[{\"to\":\"standard\",\"after_ms\":1000}]}}"));
    var stored = await(redis.send(Request.cmd(Command.GET).arg(new Keys(namespace).prefix() + "cfg:pools")));
    assertThat(new JsonObject(stored.toString()).getJsonObject("fallback").containsKey("fast")).isTrue();
    RouterVerticle bad = new RouterVerticle(RouterConfig.from(EnvConfig.of(Map.of("EMP_REDIS_URL", server.url(),
      "EMP_NAMESPACE", namespace, "EMP_HEALTH_PORT", "-1", "EMP_POOLS_POLICY", "{\"min_samples\":0}"))));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(vertx.deployVerticle(bad)))
      .hasMessageContaining("EMP_POOLS_POLICY").hasMessageContaining("policy.min_samples");
    deploy(Map.of("EMP_POOLS_POLICY", "off"));
    assertThat(await(redis.send(Request.cmd(Command.EXISTS).arg(new Keys(namespace).prefix() + "cfg:pools"))).toInteger())
      .isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouterConfig.from(EnvConfig.of(Map.of(
      "EMP_POOLS_POLICY", "/nonexistent/policy.json")))).hasMessageContaining("EMP_POOLS_POLICY");
  }

  @Test
  @DisplayName("placement end to end: demand from real submissions, inventories from machines -> prefetch and evict commands and events")
  void placementRound() {
    var registry = new io.emp.core.store.MachineRegistry(redis, new Keys(namespace));
    for (String[] m : new String[][] {{"fast-1", "fast"}, {"fast-2", "fast"}, {"std-1", "standard"}}) {
      await(registry.publishStatus(m[0], new JsonObject().put("pool", m[1]), "ready", true));
    }
    await(registry.publishModels("fast-1", new JsonObject("{\"models\":[{\"name\":\"old\",\"bytes\":900}],"
      + "\"disk\":{\"budget_bytes\":1000,\"used_bytes\":900}}")));
    await(registry.publishModels("fast-2", new JsonObject("{\"models\":[],\"disk\":{\"budget_bytes\":100000,\"used_bytes\":0}}")));
    await(registry.publishModels("std-1", new JsonObject("{\"models\":[],\"disk\":{\"budget_bytes\":100000,\"used_bytes\":0}}")));
    for (int i = 0; i < 5; i++) {
      await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "comfyui").put("pool", "fast")
        .put("requirements", new JsonObject("{\"models\":[\"hot\"]}")), 1 << 20)));
    }
    var config = RouterConfig.from(EnvConfig.of(Map.of("EMP_PLACEMENT_HOURS", "2"))).placement();
    PlacementPlanner planner = new PlacementPlanner(store, registry, config, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    var decisions = await(planner.round());
    assertThat(decisions).extracting(d -> d.action() + " " + d.model() + " " + d.machine())
      .containsExactly("prefetch hot fast-2", "evict old fast-1");
    var commands = await(redis.send(Request.cmd(Command.XRANGE).arg(new Keys(namespace).machineCommands("fast-2")).arg("-").arg("+")));
    assertThat(commands.toString()).contains("prefetch_model").contains("hot");
    var events = await(redis.send(Request.cmd(Command.XRANGE).arg(new Keys(namespace).events()).arg("-").arg("+")));
    assertThat(events.toString()).contains("machine.placement");
    // the next round does not repeat what is in flight (cooldown)
    assertThat(await(planner.round())).isEmpty();
  }

  @Test
  @DisplayName("/metrics serves every router name of docs/metrics.md and passes promtool")
  void documentedMetrics() throws Exception {
    RouterVerticle router = deploy(Map.of("EMP_POOLS_POLICY", "{\"fallback\":{}}"));
    await(store.registerWorker("w", "m", new WorkerCapabilities(new JsonObject(
      "{\"services\":[\"s\"],\"pool\":\"fast\",\"models\":[\"sdxl\"],\"model_downloads\":true}")), 4, null));
    String done = await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "s").put("pool", "fast")
      .put("requirements", new JsonObject("{\"models\":[\"sdxl\"]}")), 1 << 20))).id();
    String failing = await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "s").put("pool", "fast")
      .put("max_attempts", 1), 1 << 20))).id();
    var claimed = await(store.claim("w", 2, false));
    assertThat(claimed).hasSize(2);
    for (var c : claimed) {
      if (c.id().equals(done)) {
        await(store.complete(done, "w", c.token(), "{}"));
      } else {
        await(store.fail(failing, "w", c.token(), "boom", false));
      }
    }
    await(store.complete(done, "w", "stale-token", "{}").recover(e -> Future.succeededFuture())); // fenced
    await(store.cancel(await(store.submit(JobSubmission.of("s", new JsonObject()))).id()));
    await(store.submit(JobSubmission.of("queued-one", new JsonObject())));
    HttpClient http = HttpClient.newHttpClient();
    String url = "http://127.0.0.1:" + router.healthPort() + "/metrics";
    java.util.List<String> names = io.emp.testkit.PrometheusText.documented("router");
    eventually(() -> {
      try {
        String text = get(http, url).body();
        return names.stream().allMatch(n -> io.emp.testkit.PrometheusText.serves(text, n));
      } catch (Exception e) {
        return false;
      }
    }, () -> {
      try {
        String text = get(http, url).body();
        return "missing: " + names.stream().filter(n -> !io.emp.testkit.PrometheusText.serves(text, n)).toList();
      } catch (Exception e) {
        return e.toString();
      }
    });
    String text = get(http, url).body();
    assertThat(io.emp.testkit.PrometheusText.malformed(text)).isEmpty();
    assertThat(text).contains("emp_jobs_completed_total{pool=\"fast\",service=\"s\"} 1.0")
      .contains("emp_job_incidents_total{incident=\"fenced\"} 1.0")
      .contains("emp_jobs_models_total{warmth=\"warm\"} 1.0");
    var problems = io.emp.testkit.PrometheusText.promtoolProblems(text);
    if (problems != null) {
      assertThat(problems).as("promtool check metrics").isEmpty();
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void eventually(BooleanSupplier condition) {
    eventually(condition, () -> "");
  }

  private static void eventually(BooleanSupplier condition, java.util.function.Supplier<String> why) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    throw new AssertionError("condition not met within 10 s " + why.get());
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() == null ? e : e.getCause());
    }
  }
}
