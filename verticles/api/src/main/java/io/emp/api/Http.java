package io.emp.api;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** Small response helpers shared by the route handlers. */
final class Http {
  static final String JSON = "application/json";

  private Http() {
  }

  static Future<Void> json(HttpServerResponse response, int status, Object body) {
    return response.setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
      .end(io.vertx.core.json.Json.encode(body));
  }

  /** Ends with 200 and the value as JSON, or hands a failure to {@link ErrorMapper}. */
  static <T> void reply(RoutingContext rc, Future<T> result) {
    reply(rc, 200, result);
  }

  static <T> void reply(RoutingContext rc, int status, Future<T> result) {
    result.onSuccess(v -> json(rc.response(), status, v)).onFailure(rc::fail);
  }
}
