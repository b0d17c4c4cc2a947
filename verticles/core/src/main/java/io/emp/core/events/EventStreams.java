package io.emp.core.events;

import io.emp.core.Keys;
import io.emp.core.config.RedisConfig;
import io.emp.core.redis.RedisClients;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.HashMap;
import java.util.Map;

/**
 * One event-stream tailer per Vert.x instance and namespace, shared by every role in the process
 * (the api and the monitor in the standalone jar): each event is published once on the local bus
 * however many roles listen. Roles {@link #acquire} it when they start and {@link #release} it when
 * they stop; the tailer runs as its own verticle with its own Redis client, so it outlives any one
 * role that shares it.
 */
public final class EventStreams {
  private static final Map<String, Shared> SHARED = new HashMap<>();

  private EventStreams() {
  }

  private static final class Shared {
    final Future<String> deployment;
    int users;

    Shared(Future<String> deployment) {
      this.deployment = deployment;
    }
  }

  /**
   * Starts (or joins) the tailer of {@code redis}' namespace, with a client of its own made as
   * {@code redis} says (standalone or cluster); completes when it follows the stream.
   */
  public static synchronized Future<Void> acquire(Vertx vertx, RedisConfig redis) {
    Keys keys = redis.keys();
    String id = id(vertx, keys);
    Shared s = SHARED.get(id);
    if (s == null || s.deployment.failed()) {
      s = new Shared(vertx.deployVerticle(new TailerVerticle(redis)));
      SHARED.put(id, s);
    }
    s.users++;
    return s.deployment.mapEmpty();
  }

  /** {@link #acquire(Vertx, RedisConfig)} on a standalone Redis. */
  public static Future<Void> acquire(Vertx vertx, String redisUrl, Keys keys) {
    return acquire(vertx, new RedisConfig(redisUrl, keys.namespace(), 2));
  }

  /** Leaves the tailer; the last user stops it. */
  public static synchronized Future<Void> release(Vertx vertx, Keys keys) {
    String id = id(vertx, keys);
    Shared s = SHARED.get(id);
    if (s == null || --s.users > 0) {
      return Future.succeededFuture();
    }
    SHARED.remove(id);
    return s.deployment.compose(vertx::undeploy).recover(e -> Future.succeededFuture());
  }

  private static String id(Vertx vertx, Keys keys) {
    return System.identityHashCode(vertx) + "/" + keys.namespace();
  }

  /** Owns the Redis connection the tailer blocks on and publishes what it reads. */
  private static final class TailerVerticle extends VerticleBase {
    private final RedisConfig config;
    private Redis redis;
    private EventTailer tailer;

    TailerVerticle(RedisConfig config) {
      this.config = config;
    }

    @Override
    public Future<?> start() {
      redis = RedisClients.create(vertx, config, 2);
      tailer = new EventTailer(vertx, redis, config.keys(), "$", new EventPublisher(vertx.eventBus())::publish);
      return tailer.start();
    }

    @Override
    public Future<?> stop() {
      return tailer.stop().eventually(() -> redis.close());
    }
  }
}
