package io.emp.core.http;

import io.emp.core.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health} (liveness), {@code /ready} (readiness with reasons) and {@code /metrics}
 * (Prometheus) for roles without an HTTP API of their own (worker, router, supervisor), on
 * {@code EMP_HEALTH_PORT}. Port 0 picks a free port and logs it.
 */
public final class HealthServer {
  private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);
  private final Vertx vertx;
  private final String role;
  private final Readiness readiness;
  private final JsonObject info;
  private HttpServer server;

  public HealthServer(Vertx vertx, String role, Readiness readiness, JsonObject info) {
    this.vertx = vertx;
    this.role = role;
    this.readiness = readiness;
    this.info = info;
  }

  /** Starts listening; completes with the actual port. A negative port disables the server. */
  public Future<Integer> start(String host, int port) {
    if (port < 0) {
      return Future.succeededFuture(-1);
    }
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(port, host).map(s -> {
      LOG.info("{} health endpoints on http://{}:{}/health", role, host, s.actualPort());
      return s.actualPort();
    });
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    switch (req.path()) {
      case "/health" -> respond(req, 200, new JsonObject().put("status", "up").put("role", role).mergeIn(info)
        .put("cluster", io.emp.core.cluster.ClusterInfo.of(vertx)));
      case "/ready" -> readiness.check().onComplete(ar -> {
        JsonObject body = ar.succeeded() ? ar.result() : new JsonObject().put("ready", false);
        respond(req, body.getBoolean("ready", false) ? 200 : 503, body);
      });
      case "/metrics" -> req.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(Metrics.scrape());
      default -> respond(req, 404, new JsonObject().put("error", new JsonObject()
        .put("code", "not_found").put("message", "no such endpoint: " + req.path())));
    }
  }

  private static void respond(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
