package io.emp.standalone;

import static io.emp.standalone.BrokerFixture.await;
import static io.emp.standalone.BrokerFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.config.RedisConfig;
import io.emp.core.events.BrokerEvent;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.testkit.RedisClusterServer;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every role against a real 3-master Redis Cluster ({@code EMP_REDIS_MODE=cluster}): one standalone
 * broker (api, router, monitor, supervisor and a simulation worker) per namespace, a namespace per
 * pool, the pools' slots on two different masters — neither of them the first seed, so nothing works
 * by landing on the node the client was pointed at.
 */
class RedisClusterIT {
  private static final String TOKEN = "cluster-token";
  /** Slots 12553 and 8060: the third and the second master of an even three-way split. */
  private static final List<String> POOLS = List.of("fast", "heavy");
  private static final LuaLibrary LIBRARY = LuaLibrary.fromClasspath();

  private static RedisClusterServer cluster;
  private static final List<Broker> brokers = new ArrayList<>();
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One standalone broker: its own Vert.x, as if it were its own process. */
  private record Broker(String namespace, Vertx vertx, StandaloneVerticle verticle) {
    String api() {
      return "http://127.0.0.1:" + verticle.apiPort();
    }

    String monitor() {
      return "http://127.0.0.1:" + verticle.monitorPort();
    }

    String machine() {
      return "sim-" + namespace;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    cluster = RedisClusterServer.start(3);
    for (String pool : POOLS) {
      Path runDir = Files.createTempDirectory("emp-cluster-" + pool);
      Map<String, String> env = new HashMap<>(Map.of(
        "EMP_REDIS_MODE", "cluster",
        "EMP_REDIS_URL", cluster.url(),
        "EMP_NAMESPACE", pool,
        "EMP_POOL", pool,
        "EMP_API_PORT", "0",
        "EMP_MONITOR_PORT", "0",
        "EMP_API_TOKEN", TOKEN,
        "EMP_SIM_WORKERS", "1",
        "EMP_WORKER_SLOTS", "4",
        "EMP_MACHINE_ID", "sim-" + pool));
      env.put("EMP_RUN_DIR", runDir.toString());
      env.put("EMP_REDIS_POOL_SIZE", "4");
      Vertx vertx = Vertx.vertx();
      StandaloneVerticle verticle = new StandaloneVerticle(StandaloneSettings.apply(EnvConfig.of(env)).env());
      brokers.add(new Broker(pool, vertx, verticle));
      await(vertx.deployVerticle(verticle));
    }
    // the supervisor starts its workers after its own start: wait for every role, so no start-up
    // (which loads the library where it is missing) runs during a test
    for (Broker b : brokers) {
      eventually(b.namespace() + " worker registered", 30_000, () -> workers(b).size() == 1);
    }
  }

  private static JsonArray workers(Broker b) {
    return new JsonObject(get(b.api() + "/api/workers").body()).getJsonArray("workers");
  }

  @AfterAll
  static void stop() {
    brokers.forEach(b -> await(b.vertx().close()));
    if (cluster != null) {
      cluster.close();
    }
  }

  private static int master(String namespace) {
    return cluster.nodeOfKey(new Keys(namespace).prefix());
  }

  @Test
  @DisplayName("the two namespaces hash to slots on two different masters, as CLUSTER KEYSLOT says")
  void namespacesOnDifferentMasters() {
    List<Integer> masters = new ArrayList<>();
    for (String ns : POOLS) {
      String key = new Keys(ns).prefix() + "x";
      long slot = (Long) cluster.call(0, "CLUSTER", "KEYSLOT", key);
      assertThat(RedisClusterServer.slot(key)).isEqualTo((int) slot);
      masters.add(cluster.nodeOfSlot((int) slot));
    }
    assertThat(masters).doesNotHaveDuplicates().doesNotContain(0);
  }

  @Test
  @DisplayName("the function library is on every master, and every role is ready")
  void libraryEverywhereAndReady() {
    for (int node = 0; node < 3; node++) {
      assertThat(cluster.call(node, "FCALL_RO", "emp_version", "0")).as("node %d", node).isEqualTo(LIBRARY.version());
    }
    for (Broker b : brokers) {
      for (String base : List.of(b.api(), b.monitor())) {
        HttpResponse<String> r = get(base + "/ready");
        assertThat(r.statusCode()).as(base + " " + r.body()).isEqualTo(200);
        JsonObject checks = new JsonObject(r.body()).getJsonObject("checks");
        assertThat(checks.getJsonObject("functions").getBoolean("ok")).isTrue();
        assertThat(checks.getJsonObject("redis").getBoolean("ok")).isTrue();
      }
    }
  }

  @Test
  @DisplayName("readiness checks every master: the library missing on a master no namespace uses is reported, named")
  void readinessSeesEveryMaster() {
    int spare = 3 - master("fast") - master("heavy"); // the master neither namespace lives on
    String name = "127.0.0.1:" + cluster.nodes().get(spare).port();
    cluster.call(spare, "FUNCTION", "DELETE", LuaLibrary.NAME);
    try {
      HttpResponse<String> r = get(brokers.get(0).api() + "/ready");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(new JsonObject(r.body()).getJsonObject("checks").getJsonObject("functions").getString("reason"))
        .contains(name);
    } finally {
      Vertx vertx = brokers.get(0).vertx();
      Redis admin = RedisClients.create(vertx, RedisConfig.from(EnvConfig.of(Map.of("EMP_REDIS_MODE", "cluster",
        "EMP_REDIS_URL", cluster.url()))), 2);
      await(FunctionLoader.ensureLoaded(admin, LIBRARY));
      await(admin.close());
    }
    assertThat(get(brokers.get(0).api() + "/ready").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("jobs complete in both namespaces, each on its own master, invisible to the other")
  void jobsCompleteInBothNamespaces() {
    Map<Broker, List<String>> ids = new HashMap<>();
    for (Broker b : brokers) {
      List<String> mine = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        mine.add(submit(b, sim(b.namespace(), 20, 2)).getString("id"));
      }
      ids.put(b, mine);
    }
    for (Broker b : brokers) {
      for (String id : ids.get(b)) {
        awaitStatus(b, id, "completed");
      }
      Broker other = brokers.get(0) == b ? brokers.get(1) : brokers.get(0);
      assertThat(get(other.api() + "/api/jobs/" + ids.get(b).get(0)).statusCode()).isEqualTo(404);
      // the job hashes are on the namespace's master and nowhere else
      String slot = Integer.toString(RedisClusterServer.slot(new Keys(b.namespace()).job(ids.get(b).get(0))));
      for (int node = 0; node < 3; node++) {
        long keys = (Long) cluster.call(node, "CLUSTER", "COUNTKEYSINSLOT", slot);
        assertThat(keys > 0).as("%s keys on node %d", b.namespace(), node).isEqualTo(node == master(b.namespace()));
      }
      // each completed exactly once, by this namespace's worker
      List<String> completed = events(b.namespace()).stream().filter(e -> e.type().equals("job.completed"))
        .filter(e -> ids.get(b).contains(e.job())).map(BrokerEvent::job).toList();
      assertThat(completed).hasSize(10).doesNotHaveDuplicates();
      JsonArray workers = workers(b);
      assertThat(workers).hasSize(1);
      assertThat(workers.getJsonObject(0).getString("id")).startsWith(b.machine());
    }
  }

  @Test
  @DisplayName("SSE from the api streams a job's events, fed by the event tailer's XREAD on the cluster")
  void sseSeesTheEvents() throws Exception {
    Broker b = brokers.get(1);
    String id = submit(b, sim(b.namespace(), 300, 3).put("delay_ms", 2000)).getString("id");
    HttpRequest req = HttpRequest.newBuilder(URI.create(b.api() + "/api/jobs/" + id + "/events"))
      .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).build();
    HttpResponse<Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> types = r.body().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
    assertThat(types.stream().filter(t -> !t.equals("job.progress") && !t.equals("state")))
      .containsExactly("job.queued", "job.assigned", "job.running", "job.completed");
  }

  @Test
  @DisplayName("the supervisor registers its machine and answers a command read with XREAD BLOCK on the cluster")
  void supervisorAnswersCommands() {
    for (Broker b : brokers) {
      eventually("machine " + b.machine() + " listed", 15_000,
        () -> get(b.api() + "/api/machines").body().contains(b.machine()));
      HttpResponse<String> logs = get(b.api() + "/api/machines/" + b.machine() + "/services/gpu-sim-gpu0/logs?lines=5");
      assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);
      assertThat(new JsonObject(logs.body()).getString("machine")).isEqualTo(b.machine());
    }
  }

  private static JsonObject sim(String pool, long durationMs, int steps) {
    return new JsonObject().put("service", "simulation").put("pool", pool)
      .put("payload", new JsonObject().put("duration_ms", durationMs).put("steps", steps));
  }

  private static JsonObject submit(Broker b, JsonObject job) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(b.api() + "/api/jobs"))
      .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(job.encode())));
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    return new JsonObject(r.body());
  }

  private static void awaitStatus(Broker b, String id, String status) {
    eventually(b.namespace() + " job " + id + " " + status, 30_000,
      () -> status.equals(new JsonObject(get(b.api() + "/api/jobs/" + id).body()).getString("status")));
  }

  /** Every event of a namespace's stream, read through a cluster client (XRANGE goes to its master). */
  private static List<BrokerEvent> events(String namespace) {
    Vertx vertx = brokers.get(0).vertx();
    Redis redis = RedisClients.create(vertx, RedisConfig.from(EnvConfig.of(Map.of("EMP_REDIS_MODE", "cluster",
      "EMP_REDIS_URL", cluster.url()))), 2);
    try {
      Response r = await(redis.send(Request.cmd(Command.XRANGE).arg(new Keys(namespace).events()).arg("-").arg("+")));
      List<BrokerEvent> out = new ArrayList<>();
      r.forEach(e -> out.add(BrokerEvent.fromEntry(e)));
      return out;
    } finally {
      await(redis.close());
    }
  }

  private static HttpResponse<String> get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return http.send(b.header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
