package io.emp.core.config;

import io.emp.core.Keys;
import io.emp.core.redis.RedisClients;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Settings every role shares: where Redis is, how to talk to it and which namespace to use.
 *
 * @param url       {@code EMP_REDIS_URL} (redis:// or rediss:// for TLS), default {@value RedisClients#DEFAULT_URL};
 *                  in cluster mode a comma list of seed nodes ({@code redis://h1:7000,redis://h2:7001})
 * @param namespace {@code EMP_NAMESPACE}, default {@value Keys#DEFAULT_NAMESPACE}
 * @param poolSize  {@code EMP_REDIS_POOL_SIZE}, default {@value RedisClients#DEFAULT_POOL_SIZE}
 *                  (per node in cluster mode)
 * @param mode      {@code EMP_REDIS_MODE}: {@code standalone} (default) or {@code cluster}
 * @param tls       TLS settings for {@code rediss://} ({@code EMP_REDIS_TLS_*}); null = the JVM's defaults
 */
public record RedisConfig(String url, String namespace, int poolSize, Mode mode, Tls tls) {
  /**
   * TLS of {@code rediss://} connections (docs/security.md#redis-users-acls-tls).
   *
   * @param caPath     {@code EMP_REDIS_TLS_CA}: PEM file of the CA (or server certificate) to trust; null = JVM default
   * @param certPath   {@code EMP_REDIS_TLS_CERT}: client certificate (PEM) when Redis wants one
   * @param keyPath    {@code EMP_REDIS_TLS_KEY}: its private key (PEM, PKCS#8)
   * @param verifyHost {@code EMP_REDIS_TLS_VERIFY_HOST} (true): the server certificate must name the host
   */
  public record Tls(String caPath, String certPath, String keyPath, boolean verifyHost) {
  }

  /** Without TLS settings of our own. */
  public RedisConfig(String url, String namespace, int poolSize, Mode mode) {
    this(url, namespace, poolSize, mode, null);
  }
  /** How the client finds the data: one server, or a Redis Cluster that routes by key slot. */
  public enum Mode {
    STANDALONE, CLUSTER;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public RedisConfig {
    if (mode == Mode.STANDALONE && url.contains(",")) {
      throw new ConfigException("EMP_REDIS_URL lists several nodes: set EMP_REDIS_MODE=cluster for a Redis Cluster"
        + " (standalone mode takes one URL)");
    }
    for (String endpoint : split(url)) {
      boolean tcp = endpoint.startsWith("redis://") || endpoint.startsWith("rediss://");
      if (!tcp && !(mode == Mode.STANDALONE && endpoint.startsWith("unix://"))) {
        throw new ConfigException(mode == Mode.CLUSTER
          ? "EMP_REDIS_URL: every cluster seed must start with redis:// or rediss://"
          : "EMP_REDIS_URL must start with redis://, rediss:// or unix://");
      }
    }
  }

  /** A standalone configuration. */
  public RedisConfig(String url, String namespace, int poolSize) {
    this(url, namespace, poolSize, Mode.STANDALONE);
  }

  public static RedisConfig from(EnvConfig env) {
    String url = env.string("EMP_REDIS_URL", RedisClients.DEFAULT_URL);
    Mode mode = Mode.valueOf(env.oneOf("EMP_REDIS_MODE", "standalone", Set.of("standalone", "cluster"))
      .toUpperCase(Locale.ROOT));
    String ns = env.string("EMP_NAMESPACE", Keys.DEFAULT_NAMESPACE);
    try {
      new Keys(ns);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("EMP_NAMESPACE: " + e.getMessage());
    }
    String ca = env.raw("EMP_REDIS_TLS_CA");
    String cert = env.raw("EMP_REDIS_TLS_CERT");
    String key = env.raw("EMP_REDIS_TLS_KEY");
    if ((cert == null) != (key == null)) {
      throw new ConfigException("EMP_REDIS_TLS_CERT and EMP_REDIS_TLS_KEY go together (a client certificate and its key)");
    }
    for (String[] f : new String[][] {{"EMP_REDIS_TLS_CA", ca}, {"EMP_REDIS_TLS_CERT", cert}, {"EMP_REDIS_TLS_KEY", key}}) {
      if (f[1] != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(f[1]))) {
        throw new ConfigException(f[0] + ": cannot read " + f[1]);
      }
    }
    boolean verify = env.bool("EMP_REDIS_TLS_VERIFY_HOST", true);
    Tls tls = ca == null && cert == null && verify ? null : new Tls(ca, cert, key, verify);
    return new RedisConfig(url, ns, env.integer("EMP_REDIS_POOL_SIZE", RedisClients.DEFAULT_POOL_SIZE, 1, 1024), mode, tls);
  }

  public Keys keys() {
    return new Keys(namespace);
  }

  public boolean cluster() {
    return mode == Mode.CLUSTER;
  }

  /** The URL, or in cluster mode each seed node of the comma list. */
  public List<String> endpoints() {
    return split(url);
  }

  private static List<String> split(String url) {
    List<String> endpoints = Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (endpoints.isEmpty()) {
      throw new ConfigException("EMP_REDIS_URL is empty");
    }
    return endpoints;
  }
}
