package io.emp.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.Keys;
import io.emp.core.bus.Addresses;
import io.emp.core.model.JobSubmission;
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
import io.vertx.redis.client.Redis;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class EventStreamsTest {

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("two roles sharing a namespace's tailer see each event once, per job and in order; the last release stops it")
  void sharedTailerDeliversOnce(RedisServer server, TestNamespace ns) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Keys keys = new Keys(ns.value());
      Redis redis = RedisClients.create(vertx, server.url(), 2);
      BrokerStore store = new BrokerStore(redis, keys);
      await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath()));
      List<JsonObject> all = new CopyOnWriteArrayList<>();
      List<JsonObject> perJob = new CopyOnWriteArrayList<>();
      await(vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_JOBS, m -> all.add(m.body())).completion());
      await(EventStreams.acquire(vertx, server.url(), keys));
      await(EventStreams.acquire(vertx, server.url(), keys));
      assertThat(vertx.deploymentIDs()).hasSize(1);

      String id = await(store.submit(JobSubmission.of("s", new JsonObject()))).id();
      await(vertx.eventBus().<JsonObject>consumer(Addresses.job(id), m -> perJob.add(m.body())).completion());
      await(store.cancel(id));
      long deadline = System.currentTimeMillis() + 5_000;
      while (all.size() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200);
      assertThat(all).extracting(j -> j.getString("type")).containsExactly("job.submitted", "job.cancelled");
      // the per-job consumer joined after the submit; it may or may not have caught the submitted event
      assertThat(perJob).extracting(j -> j.getString("type")).endsWith("job.cancelled").doesNotHaveDuplicates();
      assertThat(all).containsAll(perJob);
      assertThat(all.get(1).getLong("ts")).isGreaterThan(0);

      BrokerStore.JobSnapshot snap = await(store.getJobSnapshot(id));
      assertThat(snap.newestEventId()).isEqualTo(all.get(1).getString("id"));

      await(EventStreams.release(vertx, keys));
      assertThat(vertx.deploymentIDs()).hasSize(1);
      await(EventStreams.release(vertx, keys));
      assertThat(vertx.deploymentIDs()).isEmpty();
      await(redis.close());
    } finally {
      await(vertx.close());
    }
  }
}
