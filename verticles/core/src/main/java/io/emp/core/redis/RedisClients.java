package io.emp.core.redis;

import io.emp.core.config.RedisConfig;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import java.util.ArrayList;

/**
 * Creates pooled Redis clients with the broker's defaults. URLs: {@code redis://}, {@code rediss://} (TLS).
 *
 * <p>In cluster mode ({@link RedisConfig#cluster()}) the client is a Vert.x cluster client seeded with
 * every URL of the list: each keyed command goes to the master of its key's slot (a namespace's keys
 * share one slot), MOVED/ASK are followed, and replicas are never read ({@link RedisReplicas#NEVER}: a
 * replica lags, and broker reads must see the writes before them). The pool size is per node. The
 * client also reaches each master directly for keyless commands ({@link RedisMasters}).
 */
public final class RedisClients {
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";
  public static final int DEFAULT_POOL_SIZE = 16;
  /** Marks the seed URLs that read the slot map, see {@link #topologySeed}. */
  static final String TOPOLOGY_PARAM = "emp_topology=1";

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
      return tls(options(config.url(), poolSize), config.tls());
    }
    return tls(base(poolSize), config.tls())
      .setType(RedisClientType.CLUSTER)
      .setEndpoints(new ArrayList<>(config.endpoints().stream().map(RedisClients::topologySeed).toList()))
      .setUseReplicas(RedisReplicas.NEVER);
  }

  /**
   * A seed URL the client uses only to read the slot map. vertx-redis-client 5.0.7 re-reads the map
   * (every second) over a connection from the pool of the seed's URL string, and waits for that map
   * before sending a command on a connection it already holds (vertx-redis-client#541, fixed by #548 in
   * later releases): when the connections of that pool are all held by commands waiting for the map,
   * nothing moves again. The pools of data connections are keyed by the node URLs the cluster announces
   * ({@code redis://host:port}), so a seed URL that differs from all of them (an extra query parameter,
   * ignored by the client) gets a pool of its own that commands never hold.
   */
  static String topologySeed(String url) {
    return url + (url.contains("?") ? "&" : "?") + TOPOLOGY_PARAM;
  }

  /** The TLS settings of {@code rediss://} connections: trusted CA, client certificate, host verification. */
  static RedisOptions tls(RedisOptions options, RedisConfig.Tls tls) {
    NetClientOptions net = options.getNetClientOptions() == null ? new NetClientOptions() : options.getNetClientOptions();
    if (tls == null || tls.verifyHost()) {
      net.setHostnameVerificationAlgorithm("HTTPS");
    } else {
      net.setHostnameVerificationAlgorithm("");
    }
    if (tls != null && tls.caPath() != null) {
      net.setTrustOptions(new PemTrustOptions().addCertPath(tls.caPath()));
    }
    if (tls != null && tls.certPath() != null) {
      net.setKeyCertOptions(new PemKeyCertOptions().addCertPath(tls.certPath()).addKeyPath(tls.keyPath()));
    }
    return options.setNetClientOptions(net);
  }

  private static RedisOptions base(int poolSize) {
    return new RedisOptions()
      .setMaxPoolSize(poolSize)
      .setMaxPoolWaiting(poolSize * 512)
      .setMaxWaitingHandlers(16_384);
  }
}
