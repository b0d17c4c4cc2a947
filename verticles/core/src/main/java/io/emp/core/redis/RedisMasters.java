package io.emp.core.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs keyless commands where they must run: on every master. A standalone client has one master,
 * the server it talks to; a cluster client ({@code EMP_REDIS_MODE=cluster}) has each master of
 * {@code CLUSTER NODES}, reached over a direct connection, because the cluster client sends a keyless
 * command to a random node. Used for the start-up checks and the function library
 * ({@link io.emp.core.store.FunctionLoader}) and for readiness; everything keyed goes through the
 * client itself, which routes it to the slot's master.
 */
public final class RedisMasters {
  /** The name of the one master of a standalone client. */
  public static final String STANDALONE = "redis";

  private RedisMasters() {
  }

  /**
   * One master.
   *
   * @param name   {@code host:port} in cluster mode (never credentials), {@value #STANDALONE} otherwise
   * @param client a client whose keyless commands run on this master
   */
  public record Master(String name, Redis client) {
  }

  /** Whether {@code redis} is a cluster client made by {@link RedisClients}. */
  public static boolean isCluster(Redis redis) {
    return redis instanceof ClusterRedis;
  }

  /** The masters of {@code redis}: itself when standalone; in cluster mode, discovered now. */
  public static Future<List<Master>> of(Redis redis) {
    if (redis instanceof ClusterRedis cluster) {
      return cluster.masters();
    }
    return Future.succeededFuture(List.of(new Master(STANDALONE, redis)));
  }

  /**
   * Applies {@code op} to every master at once. Completes with each result (null allowed) by master
   * name, in discovery order, when all succeeded; otherwise fails with the first failure, which names
   * the master in cluster mode.
   */
  public static <T> Future<Map<String, T>> onEach(Redis redis, Function<Master, Future<T>> op) {
    boolean cluster = isCluster(redis);
    return of(redis).compose(masters -> {
      List<Future<T>> results = new ArrayList<>();
      for (Master m : masters) {
        Future<T> r = op.apply(m);
        results.add(cluster ? r.recover(e -> Future.failedFuture(onMaster(m, e))) : r);
      }
      return Future.all(results).map(all -> {
        Map<String, T> out = new LinkedHashMap<>();
        for (int i = 0; i < masters.size(); i++) {
          out.put(masters.get(i).name(), results.get(i).result());
        }
        return out;
      });
    });
  }

  private static Throwable onMaster(Master m, Throwable e) {
    return new IllegalStateException("Redis master " + m.name() + ": " + e.getMessage(), e);
  }
}
