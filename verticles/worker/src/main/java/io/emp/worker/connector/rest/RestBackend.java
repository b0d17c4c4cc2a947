package io.emp.worker.connector.rest;

import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.http.BackendFailure;
import io.emp.worker.connector.http.SafePath;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;

/**
 * The backend of a REST connector: its HTTP client, base URL and credentials, and the rules both REST
 * connectors share for answers — which statuses succeed, retry or fail for good, how a body becomes
 * part of a result, and the health probe.
 */
final class RestBackend {
  static final long HEALTH_TIMEOUT_MS = 1_500;
  /** Answer headers copied into a result; others (cookies, server details) are left out. */
  static final List<String> RESULT_HEADERS = List.of("content-type", "content-length", "location", "etag",
    "last-modified", "retry-after", "x-request-id");

  private final String name;
  private final RestEndpoint endpoint;
  private final HttpClientAgent client;

  RestBackend(Vertx vertx, String name, RestEndpoint endpoint) {
    this.name = name;
    this.endpoint = endpoint;
    this.client = vertx.createHttpClient(new HttpClientOptions()
      .setConnectTimeout((int) Math.min(endpoint.timeoutMs(), 10_000)));
  }

  String name() {
    return name;
  }

  RestEndpoint endpoint() {
    return endpoint;
  }

  /** Sends a request a payload described. */
  HttpCall send(RestRequest request) {
    return HttpCall.send(client, request.method(), request.uri(), request.headers(), request.body(),
      endpoint.timeoutMs());
  }

  /** Sends a bodiless request to {@code path} below the base URL, authenticated. */
  HttpCall send(HttpMethod method, String path, long timeoutMs) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().set("Accept", "application/json");
    endpoint.auth().apply(headers);
    return HttpCall.send(client, method, SafePath.resolve(endpoint.baseUrl(), path), headers, null, timeoutMs);
  }

  /** {@code GET <base><health path>}: up on 2xx within {@link #HEALTH_TIMEOUT_MS}. */
  Future<ConnectorHealth> health() {
    return send(HttpMethod.GET, endpoint.healthPath(), HEALTH_TIMEOUT_MS).reply()
      .map(r -> r.is2xx() ? ConnectorHealth.up()
        : ConnectorHealth.down(name + " " + endpoint.healthPath() + " answered HTTP " + r.status()))
      .recover(e -> Future.succeededFuture(ConnectorHealth.down(name + " unreachable: " + describe(e))));
  }

  Future<Void> close() {
    return client.close();
  }

  /**
   * The failure a non-2xx answer means: 3xx permanent (redirects are not followed, they could lead
   * outside the base URL); 5xx, 408 and 429 retryable; other 4xx permanent. A {@code Retry-After} is
   * quoted in the message.
   */
  JobOutcome failure(String what, HttpCall.Reply r) {
    if (r.status() < 400) {
      return JobOutcome.failure(name + ": " + what + " answered HTTP " + r.status() + " (redirect to "
        + r.headers().get("Location") + " not followed: requests stay below the base URL)", false);
    }
    JobOutcome.Failure f = (JobOutcome.Failure) BackendFailure.fromStatus(name + ": " + what, r.status(), r.text());
    Long retryAfter = BackendFailure.retryAfterSeconds(r.headers().get("Retry-After"));
    return retryAfter == null ? f : JobOutcome.failure(f.message() + " (Retry-After " + retryAfter + " s)", f.retryable());
  }

  /** A transport failure (refused, reset, timeout): retryable; a bad payload: permanent. */
  JobOutcome failure(String what, Throwable e) {
    return BackendFailure.fromThrowable(name + ": " + what, e);
  }

  /** A 2xx answer that is not what the protocol promised: retryable, another attempt may get a sane one. */
  JobOutcome malformed(String what, String problem) {
    return JobOutcome.failure(name + ": malformed answer to " + what + ": " + problem, true);
  }

  /**
   * The body as a result value: parsed JSON when the answer says JSON (throws {@link DecodeException}
   * when it is not), text for text types and bodies without a type, base64 otherwise; null when empty.
   */
  static Object body(HttpCall.Reply r) {
    if (r.body() == null || r.body().length() == 0) {
      return null;
    }
    if (r.isJson()) {
      return Json.decodeValue(r.body());
    }
    String type = r.headers().get("Content-Type");
    String media = type == null ? "text/plain" : type.toLowerCase();
    if (media.startsWith("text/") || media.contains("xml") || media.contains("x-www-form-urlencoded")) {
      return r.text();
    }
    return new JsonObject().put("base64", Base64.getEncoder().encodeToString(r.body().getBytes()));
  }

  static JsonObject resultHeaders(HttpCall.Reply r) {
    JsonObject h = new JsonObject();
    for (String n : RESULT_HEADERS) {
      if (r.headers().contains(n)) {
        h.put(n, r.headers().get(n));
      }
    }
    return h;
  }

  static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
