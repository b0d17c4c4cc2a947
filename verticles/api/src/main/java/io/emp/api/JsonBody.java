package io.emp.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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
    return parse(utf8(buffer.getBytes()), "body");
  }

  /**
   * Strict UTF-8: {@code Buffer.toString()} turns invalid bytes into U+FFFD, and the job would hold
   * other text than was sent (found by FuzzTest). WebSocket text frames are checked by the server.
   */
  private static String utf8(byte[] bytes) {
    String text = strictUtf8(bytes);
    if (text == null) {
      throw ApiError.invalid("body", "not valid UTF-8");
    }
    return text;
  }

  /** The bytes as UTF-8 text, or null when they are not valid UTF-8 (no replacement characters). */
  static String strictUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
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
    storable(o, "", field);
    return o;
  }

  /**
   * Refuses, naming where, what would not read back as sent (found by FuzzTest): a number beyond the
   * double range ({@code 1e999} parses as infinity and is written back as the string "Infinity") and
   * a {@code \\ud800}-style escape without its pair (not encodable in UTF-8: it would be stored as '?').
   *
   * @param at   the dotted path of {@code v} ("" for the document)
   * @param root what the document itself is called in errors ({@code body}, {@code message})
   */
  private static void storable(Object v, String at, String root) {
    if (v instanceof Double d && !Double.isFinite(d)) {
      throw ApiError.invalid(at, "number out of range");
    }
    if (v instanceof String s && !paired(s)) {
      throw ApiError.invalid(at, "unpaired UTF-16 surrogate escape (not valid Unicode)");
    }
    if (v instanceof JsonObject o) {
      for (var e : o) {
        if (!paired(e.getKey())) {
          throw ApiError.invalid(at.isEmpty() ? root : at, "a key has an unpaired UTF-16 surrogate escape");
        }
        storable(e.getValue(), at.isEmpty() ? e.getKey() : at + "." + e.getKey(), root);
      }
    } else if (v instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        storable(a.getValue(i), at + "[" + i + "]", root);
      }
    }
  }

  private static boolean paired(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
