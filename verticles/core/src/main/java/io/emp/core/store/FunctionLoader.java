package io.emp.core.store;

import io.emp.core.redis.RedisMasters;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that Redis is fit to be the broker's source of truth and loads the function library where
 * the loaded version differs. Called by every role at start-up, before it is ready.
 *
 * <p>Functions live per server: in cluster mode every check and the load run on each master
 * ({@link RedisMasters}), so whichever master a namespace's slot is on has the library. A replica
 * receives the library from its master, so one promoted by a failover has it already. A master added
 * to the cluster later has none: the next role to start loads it (before slots are moved to it, see
 * docs/redis-cluster.md).
 */
public final class FunctionLoader {
  private static final Logger LOG = LoggerFactory.getLogger(FunctionLoader.class);
  static final int MIN_MAJOR = 7;

  private FunctionLoader() {
  }

  /**
   * On every master: refuses Redis older than 7.0 and any {@code maxmemory-policy} but
   * {@code noeviction} (an evicted key is a lost job), then loads {@code library} unless that exact
   * version is loaded. Completes with the loaded version; fails naming the master that is unfit.
   */
  public static Future<String> ensureLoaded(Redis redis, LuaLibrary library) {
    return RedisMasters.onEach(redis, m -> ensureLoadedOn(m, library)).map(v -> library.version());
  }

  private static Future<String> ensureLoadedOn(RedisMasters.Master master, LuaLibrary library) {
    Redis node = master.client();
    return info(node, "server")
      .compose(server -> checkVersion(server.getOrDefault("redis_version", "0")))
      .compose(v -> info(node, "memory"))
      .compose(memory -> checkEvictionPolicy(memory.getOrDefault("maxmemory_policy", "noeviction")))
      .compose(v -> versionOn(node))
      .compose(loaded -> {
        if (library.version().equals(loaded)) {
          return Future.succeededFuture(loaded);
        }
        LOG.info("loading Redis function library {} {} on {} (loaded: {})", LuaLibrary.NAME, library.version(),
          master.name(), loaded);
        return node.send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library.source()))
          .map(r -> library.version())
          .recover(e -> Future.failedFuture(String.valueOf(e.getMessage()).startsWith("NOPERM")
            ? new IllegalStateException("the function library " + library.version() + " is not loaded on "
              + master.name() + " (found: " + loaded + ") and this role's Redis user may not load it (NOPERM)."
              + " Start a control-plane role (api, router or monitor) of this release first; GPU machines never load"
              + " the library (docs/security.md#redis-users-acls-tls)")
            : e));
      });
  }

  /**
   * The library version loaded on every master, or null when it is not loaded (in cluster mode: when a
   * master lacks it or the masters disagree; {@link #loadedVersions} says which).
   */
  public static Future<String> loadedVersion(Redis redis) {
    return loadedVersions(redis).map(versions -> {
      List<String> distinct = versions.values().stream().distinct().toList();
      return distinct.size() == 1 ? distinct.get(0) : null;
    });
  }

  /** The loaded library version on each master (null where it is not loaded), by master name. */
  public static Future<Map<String, String>> loadedVersions(Redis redis) {
    return RedisMasters.onEach(redis, m -> versionOn(m.client()));
  }

  /** {@code emp_version} answered by the server {@code node} talks to (keyless: any node answers for itself). */
  private static Future<String> versionOn(Redis node) {
    return node.send(Request.cmd(Command.FCALL_RO).arg("emp_version").arg(0))
      .map(r -> r == null ? null : r.toString())
      .recover(e -> String.valueOf(e.getMessage()).contains("not found")
        ? Future.succeededFuture(null)
        : Future.failedFuture(e));
  }

  private static Future<Map<String, String>> info(Redis redis, String section) {
    return redis.send(Request.cmd(Command.INFO).arg(section)).map(FunctionLoader::parseInfo);
  }

  /** The {@code field:value} lines of an {@code INFO} or {@code CLUSTER INFO} reply. */
  public static Map<String, String> parseInfo(Response r) {
    Map<String, String> m = new HashMap<>();
    for (String line : r.toString().split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        m.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return m;
  }

  static Future<Void> checkVersion(String version) {
    int major;
    try {
      major = Integer.parseInt(version.split("\\.")[0]);
    } catch (NumberFormatException e) {
      major = 0;
    }
    if (major < MIN_MAJOR) {
      return Future.failedFuture(new IllegalStateException("Redis " + version
        + " is too old: emp-job-queue needs Redis 7.0 or newer (functions). Upgrade Redis or use Valkey >= 7.2."));
    }
    return Future.succeededFuture();
  }

  static Future<Void> checkEvictionPolicy(String policy) {
    if (!"noeviction".equals(policy)) {
      return Future.failedFuture(new IllegalStateException("Redis maxmemory-policy is '" + policy
        + "': emp-job-queue needs 'noeviction', because an evicted key is a lost job."
        + " Run `CONFIG SET maxmemory-policy noeviction` (and set it in redis.conf)."));
    }
    return Future.succeededFuture();
  }
}
