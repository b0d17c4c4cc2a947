package io.emp.core.http;

import io.emp.core.redis.RedisMasters;
import io.emp.core.store.FunctionLoader;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Named readiness checks for {@code /ready}: each completes with {@code null} when fine or a reason
 * string when not. The overall answer lists every check with its reason, so an operator sees why.
 */
public final class Readiness {
  private final Map<String, Supplier<Future<String>>> checks = new LinkedHashMap<>();

  public Readiness add(String name, Supplier<Future<String>> check) {
    checks.put(name, check);
    return this;
  }

  /**
   * Redis answers PING and the function library of this build is loaded. In cluster mode every master
   * must answer and have the library, and the cluster must report {@code cluster_state:ok}.
   */
  public Readiness redis(Redis redis, String libraryVersion) {
    add("redis", () -> reachable(redis)
      .recover(e -> Future.succeededFuture("Redis unreachable: " + e.getMessage())));
    add("functions", () -> FunctionLoader.loadedVersions(redis)
      .map(versions -> missingLibrary(versions, libraryVersion))
      .recover(e -> Future.succeededFuture("cannot read the function library version: " + e.getMessage())));
    return this;
  }

  private static Future<String> reachable(Redis redis) {
    Future<String> pings = RedisMasters.onEach(redis, m -> m.client().send(Request.cmd(Command.PING)))
      .map(r -> (String) null);
    if (!RedisMasters.isCluster(redis)) {
      return pings;
    }
    return pings.compose(ok -> redis.send(Request.cmd(Command.CLUSTER).arg("INFO")))
      .map(info -> {
        String state = FunctionLoader.parseInfo(info).getOrDefault("cluster_state", "unknown");
        return "ok".equals(state) ? null : "Redis Cluster state is " + state;
      });
  }

  /** Null when every master has {@code wanted}; else which masters lack it. */
  static String missingLibrary(Map<String, String> versions, String wanted) {
    List<String> missing = versions.entrySet().stream()
      .filter(e -> !wanted.equals(e.getValue()))
      .map(e -> RedisMasters.STANDALONE.equals(e.getKey())
        ? "found " + e.getValue()
        : e.getKey() + " has " + e.getValue())
      .toList();
    return missing.isEmpty() ? null : "function library " + wanted + " not loaded (" + String.join(", ", missing) + ")";
  }

  /** {@code {"ready": bool, "checks": {name: {"ok": bool, "reason": ...}}}} */
  public Future<JsonObject> check() {
    List<String> names = List.copyOf(checks.keySet());
    List<Future<String>> results = names.stream()
      .map(n -> checks.get(n).get().timeout(2, java.util.concurrent.TimeUnit.SECONDS)
        .recover(e -> Future.succeededFuture("check failed: " + e.getMessage())))
      .toList();
    return Future.join(results).transform(ar -> {
      JsonObject detail = new JsonObject();
      boolean ready = true;
      for (int i = 0; i < names.size(); i++) {
        String reason = results.get(i).result();
        ready &= reason == null;
        JsonObject c = new JsonObject().put("ok", reason == null);
        if (reason != null) {
          c.put("reason", reason);
        }
        detail.put(names.get(i), c);
      }
      return Future.succeededFuture(new JsonObject().put("ready", ready).put("checks", detail));
    });
  }
}
