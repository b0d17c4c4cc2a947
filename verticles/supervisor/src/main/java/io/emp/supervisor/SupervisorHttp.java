package io.emp.supervisor;

import io.emp.core.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine's local HTTP endpoints, bound to 127.0.0.1 unless configured: {@code /health}
 * (the supervisor runs, with its phase), {@code /ready} (phase ready, every service ready, Redis
 * reachable — 503 with the reasons otherwise), {@code /status} (every service: state, pid, restarts,
 * uptime, last exit code, memory) and {@code /metrics}. Read-only: control goes through Redis
 * commands, so no input here ever reaches a process or a shell.
 */
final class SupervisorHttp {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorHttp.class);
  private final Vertx vertx;
  private final Supplier<JsonObject> health;
  private final Supplier<Future<JsonObject>> readiness;
  private final Supplier<Future<JsonObject>> status;
  private HttpServer server;

  SupervisorHttp(Vertx vertx, Supplier<JsonObject> health, Supplier<Future<JsonObject>> readiness,
                 Supplier<Future<JsonObject>> status) {
    this.vertx = vertx;
    this.health = health;
    this.readiness = readiness;
    this.status = status;
  }

  Future<Integer> start(String host, int port) {
    if (port < 0) {
      return Future.succeededFuture(-1);
    }
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(port, host).map(s -> {
      LOG.info("supervisor endpoints on http://{}:{}/status", host, s.actualPort());
      return s.actualPort();
    });
  }

  Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    if (req.method() != io.vertx.core.http.HttpMethod.GET) {
      json(req, 405, error("method_not_allowed", "only GET"));
      return;
    }
    switch (req.path()) {
      case "/health" -> json(req, 200, health.get());
      case "/ready" -> readiness.get().onComplete(ar -> {
        JsonObject body = ar.succeeded() ? ar.result() : new JsonObject().put("ready", false)
          .put("reasons", new io.vertx.core.json.JsonArray().add(String.valueOf(ar.cause())));
        json(req, body.getBoolean("ready", false) ? 200 : 503, body);
      });
      case "/status" -> status.get().onComplete(ar -> json(req, ar.succeeded() ? 200 : 500,
        ar.succeeded() ? ar.result() : error("internal", String.valueOf(ar.cause()))));
      case "/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(Metrics.scrape());
      default -> json(req, 404, error("not_found", "no such endpoint: " + req.path()));
    }
  }

  private static JsonObject error(String code, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
