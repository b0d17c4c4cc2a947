package io.emp.api;

import io.emp.core.http.Readiness;
import io.emp.core.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The unauthenticated operations endpoints: {@code /health} (liveness), {@code /ready} (Redis
 * reachable and this build's function library loaded, with reasons), {@code /metrics} (Prometheus)
 * and {@code /openapi.yaml} (the api's contract, from the classpath).
 */
final class OpsRoutes {
  static final String OPENAPI_RESOURCE = "openapi.yaml";
  private final Vertx vertx;
  private final Readiness readiness;
  private Future<Buffer> openapi;

  OpsRoutes(Vertx vertx, Readiness readiness) {
    this.vertx = vertx;
    this.readiness = readiness;
  }

  void health(RoutingContext rc) {
    Http.json(rc.response(), 200, new JsonObject().put("status", "up").put("role", "api")
      .put("cluster", io.emp.core.cluster.ClusterInfo.of(vertx)));
  }

  void ready(RoutingContext rc) {
    readiness.check()
      .onSuccess(r -> Http.json(rc.response(), r.getBoolean("ready", false) ? 200 : 503, r))
      .onFailure(rc::fail);
  }

  void metrics(RoutingContext rc) {
    rc.response()
      .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
      .end(Metrics.scrape());
  }

  void openapi(RoutingContext rc) {
    if (openapi == null || openapi.failed()) {
      openapi = vertx.executeBlocking(OpsRoutes::readSpec); // read once, off the event loop
    }
    openapi
      .onSuccess(spec -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml; charset=utf-8").end(spec))
      .onFailure(rc::fail);
  }

  private static Buffer readSpec() throws java.io.IOException {
    try (var in = OpsRoutes.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new java.io.FileNotFoundException(OPENAPI_RESOURCE + " is missing from the classpath");
      }
      return Buffer.buffer(in.readAllBytes());
    }
  }
}
