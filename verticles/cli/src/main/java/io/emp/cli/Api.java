package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The api over HTTP (docs/api.md), with the JDK's client: JSON requests, and event streams. Every
 * failure is an exception the command line maps to an exit code: {@link ApiException} for an error
 * answer, {@link UnreachableException} when no answer came.
 */
final class Api {
  /** One client per process: it owns a selector thread. HTTP/1.1: the api speaks nothing else. */
  private static final HttpClient HTTP = HttpClient.newBuilder()
    .version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5))
    .build();
  /** Longer than the api's machine-command timeout (the log tail waits up to 10 s for a supervisor). */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final String base;
  private final String token;

  /**
   * @param base  the api's base URL without a trailing slash, e.g. {@code http://localhost:3331}
   * @param token the bearer token, or null to send none
   */
  Api(String base, String token) {
    this.base = base;
    this.token = token;
  }

  String base() {
    return base;
  }

  JsonNode get(String path) {
    return send(request(path).GET().build());
  }

  /** POST with a JSON body, or with none when {@code body} is null. */
  JsonNode post(String path, JsonNode body) {
    HttpRequest.Builder b = request(path);
    if (body == null) {
      b.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.compact(body)));
    }
    return send(b.build());
  }

  /**
   * Opens a {@code text/event-stream}, resuming after {@code lastEventId} when it is not null. Null when
   * the api answers 204 (a finished job with nothing left to send).
   */
  EventStream stream(String path, String lastEventId) {
    // the timeout covers the wait for the response headers; the stream itself may idle (keep-alives)
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).header("Accept", "text/event-stream")
      .GET();
    auth(b);
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> r = exchange(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() == 204) {
      close(r.body());
      return null;
    }
    if (r.statusCode() != 200) {
      String body;
      try (InputStream in = r.body()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        body = "";
      }
      throw error(r.statusCode(), body);
    }
    return new EventStream(r.body());
  }

  /** A path segment (job, machine or service name) encoded for a URL. */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A query parameter value encoded for a URL. */
  static String param(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
    auth(b);
    return b;
  }

  private void auth(HttpRequest.Builder b) {
    if (token != null && !token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
  }

  private URI uri(String path) {
    try {
      return URI.create(base + path);
    } catch (IllegalArgumentException e) {
      throw new UnreachableException("not a valid api URL: " + base + path, e);
    }
  }

  private JsonNode send(HttpRequest request) {
    HttpResponse<String> r = exchange(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 200 && r.statusCode() < 300) {
      String body = r.body();
      return body == null || body.isBlank() ? NullNode.getInstance() : Json.parse(body);
    }
    throw error(r.statusCode(), r.body());
  }

  private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return HTTP.send(request, handler);
    } catch (IOException e) {
      throw new UnreachableException("cannot reach the api at " + base + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnreachableException("interrupted while talking to the api at " + base, e);
    }
  }

  /** The api's error body when it has one, else the status and the start of whatever it sent. */
  private static ApiException error(int status, String body) {
    try {
      JsonNode e = Json.parse(body).path("error");
      if (e.isObject()) {
        return new ApiException(status, e.path("code").asText("HTTP_" + status), e.path("message").asText(""),
          e.path("field").isNull() ? null : e.path("field").asText(null));
      }
    } catch (RuntimeException ignored) {
      // not the api's JSON: a proxy, or another server on that port
    }
    String text = body == null ? "" : body.strip();
    return new ApiException(status, "HTTP_" + status, text.isEmpty() ? "no error body"
      : text.substring(0, Math.min(200, text.length())), null);
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    boolean blank = m == null || m.isBlank();
    if (e instanceof java.net.ConnectException) {
      return blank ? "connection refused" : m;
    }
    if (e instanceof java.net.http.HttpTimeoutException) {
      return "no answer in time";
    }
    return blank ? e.getClass().getSimpleName() : m;
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // nothing to read anyway
    }
  }
}
