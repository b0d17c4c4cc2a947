package io.emp.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Request bodies that must be one JSON object (400 naming the field otherwise). The media type is
 * checked by the route ({@code consumes}), which answers 415 before the body is read.
 */
final class JsonBody {
  private JsonBody() {
  }

  /** The body as a JSON object; {@link ApiError} 400 naming {@code body} when it is not one. */
  static JsonObject object(RoutingContext rc) {
    var buffer = rc.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw ApiError.invalid("body", "a JSON object is required");
    }
    return parse(buffer.toString(), "body");
  }

  /** Parses one JSON object; {@link ApiError} 400 naming {@code field} when the text is not one. */
  static JsonObject parse(String text, String field) {
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      throw ApiError.invalid(field, "invalid JSON: " + firstLine(e.getMessage()));
    }
    if (!(value instanceof JsonObject o)) {
      throw ApiError.invalid(field, "must be a JSON object");
    }
    return o;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
