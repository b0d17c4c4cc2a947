package io.emp.api;

import io.emp.core.LogSafe;
import io.emp.core.store.BrokerException;
import io.emp.core.validation.ValidationException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers (and WebSocket error messages):
 * {@code {"error": {"code", "message", "field"}}}. Expected refusals map to 4xx; an unreachable Redis
 * to 503; anything else is a bug: 500, logged with its stack trace.
 */
final class ErrorMapper {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {
  }

  /**
   * A {@code %} not followed by two hex digits. The router normalises the path before it matches any
   * route and throws on such an escape; it then calls the 500 error handler with neither a failure nor
   * a status code (found by FuzzTest: {@code GET /api/jobs/%zz} was a 500).
   */
  private static final java.util.regex.Pattern BAD_ESCAPE = java.util.regex.Pattern.compile("%(?![0-9A-Fa-f]{2})");

  /** Failure handler of every route, and error handler of the router (404, 405, 413, ...). */
  static void handle(RoutingContext rc) {
    String path = rc.request().path();
    ApiError e = rc.failure() == null && rc.statusCode() == -1 && path != null && BAD_ESCAPE.matcher(path).find()
      ? ApiError.invalid("path", "malformed percent-encoding in the request path")
      : toApiError(rc.failure(), rc.statusCode(), rc.request().method() + " " + path);
    HttpServerResponse response = rc.response();
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      response.reset(); // a stream was already under way: all we can do is cut it
      return;
    }
    if (e.status() == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    if (e.retryAfterMs() > 0) {
      response.putHeader("Retry-After", String.valueOf((e.retryAfterMs() + 999) / 1000));
    }
    Http.json(response, e.status(), body(e));
  }

  /**
   * Requests the HTTP decoder refused before routing (headers or the request line too long, malformed
   * HTTP): answered with the same JSON error body, then the connection is closed.
   */
  static void invalidRequest(io.vertx.core.http.HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    String text = cause == null ? "" : String.valueOf(cause.getMessage());
    ApiError e;
    if (cause instanceof io.netty.handler.codec.TooLongFrameException && text.contains("header")) {
      e = new ApiError(431, "HEADERS_TOO_LARGE", "headers", "request headers too large");
    } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      e = new ApiError(414, "URI_TOO_LONG", "uri", "request line too long");
    } else {
      e = new ApiError(400, "INVALID", "request", "malformed HTTP request");
    }
    req.response().setStatusCode(e.status()).putHeader("Content-Type", "application/json")
      .putHeader("Connection", "close").end(body(e).encode());
  }

  /** Maps any failure, or a bare status code when {@code failure} is null, to the api error. */
  static ApiError toApiError(Throwable failure, int status, String what) {
    if (failure instanceof ApiError a) {
      return a;
    }
    if (failure instanceof io.emp.core.validation.PayloadTooLargeException p) {
      return new ApiError(413, "PAYLOAD_TOO_LARGE", p.field(), p.reason());
    }
    if (failure instanceof ValidationException v) {
      return new ApiError(400, "INVALID", v.field(), v.reason());
    }
    if (failure instanceof BrokerException b) {
      return fromBroker(b);
    }
    if (failure == null) {
      return fromStatus(status, what);
    }
    if (status >= 400 && status < 500) { // a handler refused with a status and a reason (e.g. CORS)
      ApiError byStatus = fromStatus(status, what);
      return new ApiError(status, byStatus.code(), byStatus.field(), failure.getMessage());
    }
    if (isUnavailable(failure)) {
      LOG.warn("{}: Redis unavailable: {}", LogSafe.of(what), LogSafe.of(failure));
      return new ApiError(503, "UNAVAILABLE", null, "the broker's Redis is unavailable; retry later", 5_000);
    }
    if (String.valueOf(failure.getMessage()).startsWith("OOM")) {
      LOG.error("{}: Redis is out of memory (maxmemory with noeviction): {}", LogSafe.of(what),
        LogSafe.of(failure.getMessage()));
      return new ApiError(503, "UNAVAILABLE", null, "the broker's Redis is out of memory; retry later", 30_000);
    }
    LOG.error("{} failed with an unexpected error", LogSafe.of(what), failure);
    return new ApiError(500, "INTERNAL", null, "internal error (logged on the server)");
  }

  static JsonObject body(ApiError e) {
    return new JsonObject().put("error", new JsonObject()
      .put("code", e.code())
      .put("message", e.getMessage())
      .put("field", e.field()));
  }

  private static ApiError fromBroker(BrokerException b) {
    return switch (b.error()) {
      case NOT_FOUND -> new ApiError(404, "NOT_FOUND", "id", b.getMessage());
      case ILLEGAL_STATE -> new ApiError(409, "ILLEGAL_STATE", "status", b.getMessage());
      case FENCED, UNKNOWN_WORKER -> new ApiError(409, b.error().name(), b.field(), b.getMessage());
      case INVALID -> new ApiError(400, "INVALID", b.field(), b.getMessage());
      case TOO_LARGE -> new ApiError(413, "PAYLOAD_TOO_LARGE", b.field(), b.getMessage());
      case RATE_LIMITED -> new ApiError(429, "RATE_LIMITED", b.field(), b.getMessage(), Math.max(1, b.retryAfterMs()));
    };
  }

  private static ApiError fromStatus(int status, String what) {
    return switch (status) {
      case 400 -> new ApiError(400, "INVALID", "body", "malformed request");
      case 401 -> new ApiError(401, "UNAUTHORIZED", null, "missing bearer token");
      case 403 -> new ApiError(403, "FORBIDDEN", null, "invalid token");
      case 404 -> new ApiError(404, "NOT_FOUND", null, "no such endpoint: " + what);
      case 405 -> new ApiError(405, "METHOD_NOT_ALLOWED", null, "method not allowed: " + what);
      case 413 -> new ApiError(413, "PAYLOAD_TOO_LARGE", "body", "request body too large");
      case 415 -> new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type", "expected application/json");
      default -> {
        if (status >= 400 && status < 500) {
          yield new ApiError(status, "HTTP_" + status, null, "request refused: " + what);
        }
        LOG.error("{} failed with status {} and no cause", LogSafe.of(what), status);
        yield new ApiError(500, "INTERNAL", null, "internal error (logged on the server)");
      }
    };
  }

  /**
   * Error replies and client errors that mean "Redis cannot serve this now, retry": the client's
   * {@code CONNECTION_CLOSED} (the connection died with the request pending: Redis killed or
   * restarted), and the server's {@code LOADING} (restarted, still reading its AOF/RDB), {@code BUSY},
   * {@code MASTERDOWN}, {@code TRYAGAIN}, {@code CLUSTERDOWN}, {@code READONLY} (a failover in progress).
   * Found by the chaos suite: these were answered 500 instead of 503.
   */
  private static final java.util.Set<String> TRANSIENT_REPLIES = java.util.Set.of(
    "CONNECTION_CLOSED", "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY");

  static boolean isUnavailable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof TimeoutException
        || c instanceof java.nio.channels.ClosedChannelException
        || c instanceof java.net.SocketException // "Connection reset": Redis died mid-request
        || String.valueOf(c.getMessage()).contains("Connection refused")
        || TRANSIENT_REPLIES.contains(firstWord(c.getMessage()))) {
        return true;
      }
    }
    return false;
  }

  private static String firstWord(String message) {
    if (message == null) {
      return "";
    }
    int space = message.indexOf(' ');
    return space < 0 ? message : message.substring(0, space);
  }
}
