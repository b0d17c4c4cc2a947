package io.emp.core.redis;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** Creates pooled Redis clients with the broker's defaults. URLs: {@code redis://}, {@code rediss://} (TLS). */
public final class RedisClients {
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";
  public static final int DEFAULT_POOL_SIZE = 16;

  private RedisClients() {
  }

  public static Redis create(Vertx vertx, String url, int poolSize) {
    return Redis.createClient(vertx, options(url, poolSize));
  }

  public static RedisOptions options(String url, int poolSize) {
    return new RedisOptions()
      .setConnectionString(url)
      .setMaxPoolSize(poolSize)
      .setMaxPoolWaiting(poolSize * 512)
      .setMaxWaitingHandlers(16_384);
  }
}
