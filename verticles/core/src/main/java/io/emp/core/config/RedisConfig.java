package io.emp.core.config;

import io.emp.core.Keys;
import io.emp.core.redis.RedisClients;

/**
 * Settings every role shares: where Redis is and which namespace to use.
 *
 * @param url       {@code EMP_REDIS_URL} (redis:// or rediss:// for TLS), default {@value RedisClients#DEFAULT_URL}
 * @param namespace {@code EMP_NAMESPACE}, default {@value Keys#DEFAULT_NAMESPACE}
 * @param poolSize  {@code EMP_REDIS_POOL_SIZE}, default {@value RedisClients#DEFAULT_POOL_SIZE}
 */
public record RedisConfig(String url, String namespace, int poolSize) {
  public static RedisConfig from(EnvConfig env) {
    String url = env.string("EMP_REDIS_URL", RedisClients.DEFAULT_URL);
    if (!url.startsWith("redis://") && !url.startsWith("rediss://") && !url.startsWith("unix://")) {
      throw new ConfigException("EMP_REDIS_URL must start with redis://, rediss:// or unix://");
    }
    String ns = env.string("EMP_NAMESPACE", Keys.DEFAULT_NAMESPACE);
    try {
      new Keys(ns);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("EMP_NAMESPACE: " + e.getMessage());
    }
    return new RedisConfig(url, ns, env.integer("EMP_REDIS_POOL_SIZE", RedisClients.DEFAULT_POOL_SIZE, 1, 1024));
  }

  public Keys keys() {
    return new Keys(namespace);
  }
}
