package io.emp.worker;

import static io.emp.worker.WorkerTestBase.await;
import static io.emp.worker.WorkerTestBase.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.JobStatus;
import io.emp.core.model.JobSubmission;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A worker against a Redis of its own that is killed and restarted empty. */
class WorkerRedisOutageTest {

  @Test
  @DisplayName("after Redis restarts empty the worker reloads the library, registers again and runs jobs")
  void survivesRedisRestart() {
    RedisServer server = RedisServer.start();
    Vertx vertx = Vertx.vertx();
    Redis redis = RedisClients.create(vertx, server.url(), 2);
    try {
      Keys keys = new Keys("outage");
      BrokerStore store = new BrokerStore(redis, keys);
      WorkerRole role = new WorkerRole(EnvConfig.of(Map.of(
        "EMP_REDIS_URL", server.url(), "EMP_NAMESPACE", keys.namespace(), "EMP_MACHINE_ID", "m1",
        "EMP_HEALTH_PORT", "-1", "EMP_HEARTBEAT_MS", "100", "EMP_LEASE_MS", "1000", "EMP_CLAIM_POLL_MS", "500",
        "EMP_SHUTDOWN_GRACE_MS", "100")));
      await(vertx.deployVerticle(role));

      server.kill();
      server.restart();

      until("the worker reloaded the function library", 20_000,
        () -> LuaLibrary.fromClasspath().version().equals(await(FunctionLoader.loadedVersion(redis).recover(
          e -> io.vertx.core.Future.succeededFuture(null)))));
      until("the worker registered again", 20_000, () -> {
        JsonArray workers = await(store.workers(null));
        return workers.size() == 1 && "active".equals(workers.getJsonObject(0).getString("state"));
      });
      String id = await(store.submit(JobSubmission.of("simulation", new JsonObject().put("duration_ms", 10)))).id();
      until("the job completed", 20_000, () -> await(store.getJob(id)).status() == JobStatus.COMPLETED);
      assertThat(new JsonObject(await(store.getJob(id)).result()).getString("worker")).isEqualTo("m1-worker-0");
    } finally {
      await(vertx.close());
      server.close();
    }
  }
}
