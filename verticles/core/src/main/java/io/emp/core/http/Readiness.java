package io.emp.core.http;

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

  /** Redis answers PING and the function library of this build is loaded. */
  public Readiness redis(Redis redis, String libraryVersion) {
    add("redis", () -> redis.send(Request.cmd(Command.PING))
      .map(r -> (String) null)
      .recover(e -> Future.succeededFuture("Redis unreachable: " + e.getMessage())));
    add("functions", () -> FunctionLoader.loadedVersion(redis)
      .map(v -> libraryVersion.equals(v) ? null : "function library " + libraryVersion + " not loaded (found " + v + ")")
      .recover(e -> Future.succeededFuture("cannot read the function library version: " + e.getMessage())));
    return this;
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
