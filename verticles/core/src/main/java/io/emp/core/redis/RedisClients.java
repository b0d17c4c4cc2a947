package io.emp.core.redis;

import io.emp.core.config.RedisConfig;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import java.util.ArrayList;

/**
 * Creates pooled Redis clients with the broker's defaults. URLs: {@code redis://}, {@code rediss://} (TLS).
 *
 * <p>In cluster mode ({@link RedisConfig#cluster()}) the client is a Vert.x cluster client seeded with
 * every URL of the list: each keyed command goes to the master of its key's slot (a namespace's keys
 * share one slot), MOVED/ASK are followed, and replicas are never read ({@link RedisReplicas#NEVER}: a
 * replica lags, and broker reads must see the writes before them). The pool size is per node (at
 * least two). The client also reaches each master directly for keyless commands ({@link RedisMasters}).
 */
public final class RedisClients {
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";
  public static final int DEFAULT_POOL_SIZE = 16;
  /**
   * The cluster client re-reads the slot map (every second) through its per-node pools, and a
   * {@code connect()} holds one pooled connection to every node: with one connection per node, a
   * client whose connection waits in a blocking read (the worker's BLPOP) could never refresh the map
   * and its next command would hang. So a cluster client has at least two per node.
   */
  static final int MIN_CLUSTER_POOL_SIZE = 2;

  private RedisClients() {
  }

  /** A standalone client of one server. */
  public static Redis create(Vertx vertx, String url, int poolSize) {
    return Redis.createClient(vertx, options(url, poolSize));
  }

  /** A client as {@code config} says: standalone, or cluster ({@code EMP_REDIS_MODE=cluster}). */
  public static Redis create(Vertx vertx, RedisConfig config, int poolSize) {
    return create(vertx, options(config, poolSize));
  }

  /** A client of {@code options} from {@link #options(RedisConfig, int)}, possibly changed by the caller. */
  public static Redis create(Vertx vertx, RedisOptions options) {
    return options.getType() == RedisClientType.CLUSTER
      ? new ClusterRedis(vertx, options)
      : Redis.createClient(vertx, options);
  }

  public static RedisOptions options(String url, int poolSize) {
    return base(poolSize).setConnectionString(url);
  }

  public static RedisOptions options(RedisConfig config, int poolSize) {
    if (!config.cluster()) {
      return options(config.url(), poolSize);
    }
    return base(Math.max(poolSize, MIN_CLUSTER_POOL_SIZE))
      .setType(RedisClientType.CLUSTER)
      .setEndpoints(new ArrayList<>(config.endpoints()))
      .setUseReplicas(RedisReplicas.NEVER);
  }

  private static RedisOptions base(int poolSize) {
    return new RedisOptions()
      .setMaxPoolSize(poolSize)
      .setMaxPoolWaiting(poolSize * 512)
      .setMaxWaitingHandlers(16_384);
  }
}
