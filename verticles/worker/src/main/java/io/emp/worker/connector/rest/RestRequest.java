package io.emp.worker.connector.rest;

import io.emp.worker.connector.http.SafePath;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The HTTP request a job payload asks for, checked before anything leaves the worker:
 * {@code {"method": "POST"|"GET"|"PUT"|"DELETE", "path": "relative/path", "query": {...},
 * "headers": {...}, "body": any JSON}}. The path must stay below the operator's base URL
 * ({@link SafePath}); headers that would change where or as whom the request goes are refused. Any
 * problem is an {@link IllegalArgumentException} starting with "bad request" and naming the field — a
 * permanent failure of the job.
 *
 * @param body null for no body
 */
public record RestRequest(HttpMethod method, URI uri, MultiMap headers, Buffer body) {
  private static final Map<String, HttpMethod> METHODS = Map.of("POST", HttpMethod.POST, "GET", HttpMethod.GET,
    "PUT", HttpMethod.PUT, "DELETE", HttpMethod.DELETE);
  /** Headers the worker owns: routing, framing and credentials. */
  private static final Set<String> RESERVED = Set.of("host", "authorization", "proxy-authorization",
    "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive", "expect");
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /** Builds the request of {@code payload} below {@code base}, with {@code auth} applied. */
  public static RestRequest parse(JsonObject payload, URI base, RestAuth auth) {
    HttpMethod method = method(payload.getValue("method"));
    URI uri = withQuery(path(base, payload.getValue("path")), payload.getValue("query"));
    MultiMap headers = headers(payload.getValue("headers"), auth);
    Buffer body = body(method, payload, headers);
    auth.apply(headers);
    return new RestRequest(method, uri, headers, body);
  }

  /** "POST /api/jobs", for progress messages and errors (no query: it may hold data). */
  public String describe() {
    return method.name() + " " + uri.getRawPath();
  }

  private static HttpMethod method(Object value) {
    if (value == null) {
      return HttpMethod.POST;
    }
    HttpMethod m = value instanceof String s ? METHODS.get(s.toUpperCase()) : null;
    if (m == null) {
      throw bad("method must be one of POST, GET, PUT, DELETE, got " + describe(value));
    }
    return m;
  }

  private static URI path(URI base, Object value) {
    if (value != null && !(value instanceof String)) {
      throw bad("path must be a string, got " + describe(value));
    }
    try {
      return SafePath.resolve(base, (String) value);
    } catch (IllegalArgumentException e) {
      throw bad("path " + e.getMessage());
    }
  }

  private static URI withQuery(URI uri, Object value) {
    if (value == null) {
      return uri;
    }
    if (!(value instanceof JsonObject query)) {
      throw bad("query must be an object of names to values, got " + describe(value));
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Object> e : query) {
      Iterable<?> values = e.getValue() instanceof JsonArray a ? a : java.util.Collections.singletonList(e.getValue());
      for (Object v : values) {
        if (v == null) {
          continue;
        }
        if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
          throw bad("query." + e.getKey() + " must be a string, number, boolean or an array of them");
        }
        sb.append(sb.length() == 0 ? "" : "&").append(encode(e.getKey())).append('=').append(encode(String.valueOf(v)));
      }
    }
    if (sb.length() == 0) {
      return uri;
    }
    String s = uri.toString();
    return URI.create(s + (uri.getRawQuery() == null ? "?" : "&") + sb);
  }

  private static MultiMap headers(Object value, RestAuth auth) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (value == null) {
      return headers;
    }
    if (!(value instanceof JsonObject map)) {
      throw bad("headers must be an object of names to strings, got " + describe(value));
    }
    for (Map.Entry<String, Object> e : map) {
      String name = e.getKey();
      Object v = e.getValue();
      if (!TOKEN.matcher(name).matches()) {
        throw bad("headers: '" + name + "' is not a valid header name");
      }
      if (RESERVED.contains(name.toLowerCase()) || auth.owns(name)) {
        throw bad("headers: " + name + " is set by the worker and cannot be overridden");
      }
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)
        || String.valueOf(v).chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
        throw bad("headers." + name + " must be a string without control characters");
      }
      headers.set(name, String.valueOf(v));
    }
    return headers;
  }

  /** A string body is sent as it is (text); anything else as JSON. GET sends none. */
  private static Buffer body(HttpMethod method, JsonObject payload, MultiMap headers) {
    Object body = payload.getValue("body");
    if (body == null) {
      return null;
    }
    if (method == HttpMethod.GET) {
      throw bad("body is not sent with GET; use query");
    }
    boolean text = body instanceof String;
    if (!headers.contains("Content-Type")) {
      headers.set("Content-Type", text ? "text/plain; charset=utf-8" : "application/json");
    }
    return text ? Buffer.buffer((String) body, "UTF-8") : Buffer.buffer(Json.encode(body));
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static IllegalArgumentException bad(String problem) {
    return new IllegalArgumentException("bad request: " + problem);
  }

  static String describe(Object v) {
    return v == null ? "null" : v instanceof String s ? "\"" + s + "\"" : Json.encode(v);
  }
}
