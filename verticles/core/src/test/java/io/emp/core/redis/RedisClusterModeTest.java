package io.emp.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.Keys;
import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.config.RedisConfig;
import io.emp.core.events.BrokerEvent;
import io.emp.core.events.EventTailer;
import io.emp.core.http.Readiness;
import io.emp.core.model.JobSubmission;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.testkit.RedisClusterServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The core's Redis paths against a real 3-master Redis Cluster: keyed commands reach the slot's
 * master, blocking reads on a cluster connection too, and the keyless start-up work (version and
 * eviction checks, the function library) runs on every master.
 */
class RedisClusterModeTest {
  private static final LuaLibrary LIBRARY = LuaLibrary.fromClasspath();
  private static RedisClusterServer cluster;
  private static Vertx vertx;
  private static Redis redis;

  @BeforeAll
  static void start() {
    cluster = RedisClusterServer.start(3);
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, config("unused"), 4);
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      await(redis.close());
      await(vertx.close());
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static RedisConfig config(String namespace) {
    return RedisConfig.from(EnvConfig.of(Map.of("EMP_REDIS_MODE", "cluster", "EMP_REDIS_URL", cluster.url(),
      "EMP_NAMESPACE", namespace)));
  }

  /** A namespace whose keys live on node {@code node} (never node 0, the first seed, unless asked). */
  private static Keys namespaceOn(int node, String stem) {
    for (int i = 0; ; i++) {
      Keys keys = new Keys(stem + i);
      if (cluster.nodeOfKey(keys.prefix()) == node) {
        return keys;
      }
    }
  }

  private static String versionOn(int node) {
    try {
      Object v = cluster.call(node, "FCALL_RO", "emp_version", "0");
      return v == null ? null : v.toString();
    } catch (IllegalStateException e) {
      return null; // Function not found
    }
  }

  @Test
  @DisplayName("EMP_REDIS_MODE=cluster takes a comma list of seeds; standalone refuses one")
  void parsesMode() {
    RedisConfig c = RedisConfig.from(EnvConfig.of(Map.of("EMP_REDIS_MODE", "cluster",
      "EMP_REDIS_URL", "redis://h1:7000, rediss://:pw@h2:7001")));
    assertThat(c.cluster()).isTrue();
    assertThat(c.endpoints()).containsExactly("redis://h1:7000", "rediss://:pw@h2:7001");
    assertThat(RedisConfig.from(EnvConfig.of(Map.of())).mode()).isEqualTo(RedisConfig.Mode.STANDALONE);
    assertThat(EnvConfig.of(Map.of("EMP_REDIS_URL", "redis://h1:7000,redis://u:hunter2@h2:7001,rediss://:pw2@h3:7002"))
      .describe()).doesNotContain("hunter2", "pw2").contains("redis://h1:7000,redis://***@h2:7001,rediss://***@h3:7002");
    assertThatThrownBy(() -> RedisConfig.from(EnvConfig.of(Map.of("EMP_REDIS_URL", "redis://h1:7000,redis://h2:7001"))))
      .isInstanceOf(ConfigException.class).hasMessageContaining("EMP_REDIS_MODE=cluster");
    assertThatThrownBy(() -> RedisConfig.from(EnvConfig.of(Map.of("EMP_REDIS_MODE", "cluster",
      "EMP_REDIS_URL", "unix:///tmp/redis.sock")))).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> RedisConfig.from(EnvConfig.of(Map.of("EMP_REDIS_MODE", "sentinel"))))
      .hasMessageContaining("EMP_REDIS_MODE");
  }

  @Test
  @DisplayName("direct master endpoints keep the seed's scheme and credentials; failed masters are skipped")
  void masterEndpoints() {
    assertThat(ClusterRedis.endpoint("rediss://u:p%40ss@seed:7000/0?x=1", "10.0.0.2:7001"))
      .isEqualTo("rediss://u:p%40ss@10.0.0.2:7001?x=1");
    assertThat(ClusterRedis.endpoint("redis://seed:7000", "[::1]:7001")).isEqualTo("redis://[::1]:7001");
    assertThat(ClusterRedis.endpoint(RedisClients.topologySeed("redis://:pw@seed:7000"), "h:1"))
      .isEqualTo("redis://:pw@h:1");
    assertThat(ClusterRedis.endpoint(RedisClients.topologySeed("redis://seed:7000?x=1"), "h:1"))
      .isEqualTo("redis://h:1?x=1");
    String nodes = String.join("\n",
      "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460",
      "a2 127.0.0.1:7001@17001,host2 master - 0 0 2 connected 5461-10922",
      "a3 127.0.0.1:7002@17002 master,fail - 0 0 3 disconnected",
      "a4 127.0.0.1:7003@17003 slave a1 0 0 1 connected",
      "a5 ::1:7004@17004 master - 0 0 5 connected 10923-16383",
      "a6 :0@0 master,noaddr - 0 0 0 disconnected");
    assertThat(ClusterRedis.masterAddresses(nodes)).containsExactly("127.0.0.1:7000", "127.0.0.1:7001", "[::1]:7004");
  }

  @Test
  @DisplayName("the function library is loaded on every master, and a master that lost it is found and reloaded")
  void libraryOnEveryMaster() {
    assertThat(await(FunctionLoader.ensureLoaded(redis, LIBRARY))).isEqualTo(LIBRARY.version());
    for (int i = 0; i < 3; i++) {
      assertThat(versionOn(i)).as("node %d", i).isEqualTo(LIBRARY.version());
    }
    Map<String, String> versions = await(FunctionLoader.loadedVersions(redis));
    assertThat(versions).hasSize(3).containsOnlyKeys(cluster.nodes().stream()
      .map(n -> "127.0.0.1:" + n.port()).toArray(String[]::new));
    assertThat(versions.values()).containsOnly(LIBRARY.version());
    assertThat(await(new Readiness().redis(redis, LIBRARY.version()).check()).getBoolean("ready")).isTrue();

    cluster.call(2, "FUNCTION", "DELETE", LuaLibrary.NAME);
    assertThat(await(FunctionLoader.loadedVersion(redis))).isNull();
    JsonObject ready = await(new Readiness().redis(redis, LIBRARY.version()).check());
    assertThat(ready.getBoolean("ready")).isFalse();
    assertThat(ready.getJsonObject("checks").getJsonObject("redis").getBoolean("ok")).isTrue();
    assertThat(ready.getJsonObject("checks").getJsonObject("functions").getString("reason"))
      .contains("127.0.0.1:" + cluster.nodes().get(2).port() + " has null")
      .doesNotContain(":" + cluster.nodes().get(0).port());

    await(FunctionLoader.ensureLoaded(redis, LIBRARY));
    assertThat(versionOn(2)).isEqualTo(LIBRARY.version());
    assertThat(await(FunctionLoader.loadedVersion(redis))).isEqualTo(LIBRARY.version());
  }

  @Test
  @DisplayName("a master that could evict keys stops the start-up, named")
  void evictionCheckedOnEveryMaster() {
    cluster.call(1, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    try {
      assertThatThrownBy(() -> await(FunctionLoader.ensureLoaded(redis, LIBRARY)))
        .hasMessageContaining("127.0.0.1:" + cluster.nodes().get(1).port())
        .hasMessageContaining("allkeys-lru");
    } finally {
      cluster.call(1, "CONFIG", "SET", "maxmemory-policy", "noeviction");
    }
  }

  @Test
  @DisplayName("FCALL with KEYS[1] = the prefix runs on the namespace's master: two namespaces, two masters")
  void functionsRouteBySlot() {
    await(FunctionLoader.ensureLoaded(redis, LIBRARY));
    Keys a = namespaceOn(1, "route-a");
    Keys b = namespaceOn(2, "route-b");
    for (Keys keys : List.of(a, b)) {
      BrokerStore store = new BrokerStore(redis, keys);
      String id = await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "sim"),
        JobSubmission.DEFAULT_MAX_PAYLOAD_BYTES))).id();
      int owner = cluster.nodeOfKey(keys.prefix());
      for (int node = 0; node < 3; node++) {
        long exists = (Long) cluster.call(node, "CLUSTER", "COUNTKEYSINSLOT",
          Long.toString(RedisClusterServer.slot(keys.job(id))));
        assertThat(exists > 0).as("keys of %s on node %d", keys.namespace(), node).isEqualTo(node == owner);
      }
      assertThat(await(store.getJob(id)).id()).isEqualTo(id);
      // a plain keyed read and a same-slot batch go to the same master
      assertThat(await(redis.send(Request.cmd(Command.XLEN).arg(keys.events()))).toLong()).isEqualTo(1);
      assertThat(await(store.jobModels(List.of(id, "missing")))).containsKeys(id, "missing");
      // XINFO has no key spec in the client, so it goes to a random node: a MOVED reply brings it home
      for (int i = 0; i < 6; i++) {
        assertThat(await(redis.send(Request.cmd(Command.XINFO).arg("STREAM").arg(keys.events())))).isNotNull();
      }
    }
  }

  @Test
  @DisplayName("a blocking BLPOP and XREAD on a cluster connection wait on the key's master and wake up")
  void blockingReadsOnTheSlotMaster() {
    await(FunctionLoader.ensureLoaded(redis, LIBRARY));
    Keys keys = namespaceOn(2, "block");
    int owner = 2;
    Redis own = RedisClients.create(vertx, config(keys.namespace()), 1);
    try {
      RedisConnection c = await(own.connect());
      // past the client's slot-map TTL (1 s): the BLPOP first re-reads the map, which must not wait for
      // the pool connection held here (one per node: vertx-redis-client#541)
      sleep(1_500);
      Future<Response> popped = c.send(Request.cmd(Command.BLPOP).arg(keys.workerWake("w1"))
        .arg(keys.workerControl("w1")).arg(30));
      // the BLPOP reaches the owner after a slot-map refresh: poll for it rather than guess a delay
      long blockDeadline = System.currentTimeMillis() + 10_000;
      while (!cluster.call(owner, "CLIENT", "LIST").toString().contains("cmd=blpop")
        && System.currentTimeMillis() < blockDeadline) {
        sleep(20);
      }
      assertThat(popped.isComplete()).isFalse();
      for (int node = 0; node < 3; node++) {
        String clients = cluster.call(node, "CLIENT", "LIST").toString();
        assertThat(clients.contains("cmd=blpop")).as("BLPOP blocked on node %d", node).isEqualTo(node == owner);
      }
      cluster.call(owner, "RPUSH", keys.workerControl("w1"), "cancel:j1");
      Response r = await(popped);
      assertThat(r.get(0).toString()).isEqualTo(keys.workerControl("w1"));
      assertThat(r.get(1).toString()).isEqualTo("cancel:j1");
      await(c.close());

      List<BrokerEvent> seen = new CopyOnWriteArrayList<>();
      EventTailer tailer = new EventTailer(vertx, own, keys, "$", seen::add);
      await(tailer.start());
      BrokerStore store = new BrokerStore(redis, keys);
      String id = await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "sim"),
        JobSubmission.DEFAULT_MAX_PAYLOAD_BYTES))).id();
      long deadline = System.currentTimeMillis() + 10_000;
      while (seen.stream().noneMatch(e -> id.equals(e.job())) && System.currentTimeMillis() < deadline) {
        sleep(20);
      }
      assertThat(seen).anyMatch(e -> id.equals(e.job()) && e.type().equals("job.submitted"));
      await(tailer.stop());
    } finally {
      await(own.close());
    }
  }

  @Test
  @DisplayName("a client whose pooled connections are all held keeps working past a slot-map refresh")
  void slotRefreshIsNotStarvedByHeldConnections() {
    Keys keys = namespaceOn(1, "held");
    Redis own = RedisClients.create(vertx, config(keys.namespace()), 2);
    try {
      // both connections of every node's pool held, as by blocking readers (vertx-redis-client#541)
      RedisConnection first = await(own.connect());
      RedisConnection second = await(own.connect());
      sleep(1_500); // the slot map expires after a second; the next command re-reads it
      Future<Response> r = first.send(Request.cmd(Command.XLEN).arg(keys.events()))
        .timeout(5, TimeUnit.SECONDS);
      assertThat(await(r).toLong()).isZero();
      await(second.close());
      await(first.close());
    } finally {
      await(own.close());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
