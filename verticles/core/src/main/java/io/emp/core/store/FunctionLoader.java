package io.emp.core.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that a Redis server is fit to be the broker's source of truth and loads the function
 * library when the loaded version differs. Called by every role at start-up, before it is ready.
 */
public final class FunctionLoader {
  private static final Logger LOG = LoggerFactory.getLogger(FunctionLoader.class);
  static final int MIN_MAJOR = 7;

  private FunctionLoader() {
  }

  /**
   * Refuses Redis older than 7.0 and any {@code maxmemory-policy} but {@code noeviction} (an evicted
   * key is a lost job), then loads {@code library} unless that exact version is loaded.
   * Completes with the loaded version.
   */
  public static Future<String> ensureLoaded(Redis redis, LuaLibrary library) {
    return info(redis, "server")
      .compose(server -> checkVersion(server.getOrDefault("redis_version", "0")))
      .compose(v -> info(redis, "memory"))
      .compose(memory -> checkEvictionPolicy(memory.getOrDefault("maxmemory_policy", "noeviction")))
      .compose(v -> loadedVersion(redis))
      .compose(loaded -> {
        if (library.version().equals(loaded)) {
          return Future.succeededFuture(loaded);
        }
        LOG.info("loading Redis function library {} {} (loaded: {})", LuaLibrary.NAME, library.version(), loaded);
        return redis.send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library.source()))
          .map(r -> library.version());
      });
  }

  /** The loaded library version, or null when the library is not loaded. */
  public static Future<String> loadedVersion(Redis redis) {
    return redis.send(Request.cmd(Command.FCALL_RO).arg("emp_version").arg(0))
      .map(r -> r == null ? null : r.toString())
      .recover(e -> String.valueOf(e.getMessage()).contains("not found")
        ? Future.succeededFuture(null)
        : Future.failedFuture(e));
  }

  private static Future<Map<String, String>> info(Redis redis, String section) {
    return redis.send(Request.cmd(Command.INFO).arg(section)).map(FunctionLoader::parseInfo);
  }

  static Map<String, String> parseInfo(Response r) {
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
