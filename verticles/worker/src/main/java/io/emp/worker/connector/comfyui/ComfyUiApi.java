package io.emp.worker.connector.comfyui;

import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.http.BackendFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Function;

/**
 * The HTTP and WebSocket calls of one ComfyUI ({@code server.py} routes): {@code POST /prompt},
 * {@code GET /history/{id}}, {@code GET /view}, {@code GET|POST /queue}, {@code POST /interrupt},
 * {@code GET /system_stats}, {@code GET /object_info/{class}} and {@code GET /ws?clientId=}. Every call is
 * bounded by a timeout; failures are {@link ComfyUiException}s (classified) or transport errors (retryable).
 * Credentials in the URL ({@code http://user:pass@host}) become a Basic {@code Authorization} header.
 */
final class ComfyUiApi {
  private static final int MAX_WS_FRAME = 16 * 1024 * 1024;
  private static final int MAX_WS_MESSAGE = 64 * 1024 * 1024;

  /** A prompt ComfyUI queued. */
  record Submitted(String promptId, Object number, JsonObject nodeErrors) {
  }

  private final WebClient web;
  private final HttpClient http;
  private final WebSocketClient sockets;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String basePath;
  private final String authorization;
  private final long timeoutMs;

  ComfyUiApi(Vertx vertx, URI base, long timeoutMs) {
    this.ssl = "https".equalsIgnoreCase(base.getScheme());
    this.host = base.getHost().startsWith("[") ? base.getHost().substring(1, base.getHost().length() - 1) : base.getHost();
    this.port = base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80;
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.authorization = base.getRawUserInfo() == null ? null : "Basic " + Base64.getEncoder()
      .encodeToString(URLDecoder.decode(base.getRawUserInfo(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
    this.timeoutMs = timeoutMs;
    int connectMs = (int) Math.min(timeoutMs, 10_000);
    this.web = WebClient.create(vertx, new WebClientOptions().setDefaultHost(host).setDefaultPort(port).setSsl(ssl)
      .setConnectTimeout(connectMs).setUserAgent("emp-worker"));
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port).setSsl(ssl)
      .setConnectTimeout(connectMs));
    this.sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(ssl).setConnectTimeout(connectMs)
      .setMaxFrameSize(MAX_WS_FRAME).setMaxMessageSize(MAX_WS_MESSAGE));
  }

  long timeoutMs() {
    return timeoutMs;
  }

  /** Opens {@code /ws?clientId=<clientId>}: ComfyUI sends a prompt's events only to its client's socket. */
  Future<WebSocket> openSocket(String clientId) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(host).setPort(port).setSsl(ssl)
      .setURI(basePath + "/ws?clientId=" + encode(clientId)).setTimeout(timeoutMs);
    if (authorization != null) {
      o.putHeader("Authorization", authorization);
    }
    return sockets.connect(o);
  }

  /** {@code POST /prompt}; a 400 (the graph failed validation) is a permanent failure naming the nodes. */
  Future<Submitted> submit(JsonObject graph, String clientId) {
    return request(HttpMethod.POST, "/prompt", timeoutMs)
      .sendJsonObject(new JsonObject().put("prompt", graph).put("client_id", clientId))
      .compose(r -> {
        if (r.statusCode() == 400) {
          return Future.failedFuture(rejected(r));
        }
        JsonObject body = json("/prompt", ok("/prompt", r));
        if (!(body.getValue("prompt_id") instanceof String id) || id.isBlank()) {
          return Future.failedFuture(new ComfyUiException("ComfyUI /prompt answered without a prompt_id: "
            + snippet(r.bodyAsString()), true));
        }
        Object errors = body.getValue("node_errors");
        return Future.succeededFuture(new Submitted(id, body.getValue("number"),
          errors instanceof JsonObject o ? o : new JsonObject()));
      });
  }

  /** {@code GET /history/{id}}: the prompt's entry, or null while it is not finished (or unknown). */
  Future<JsonObject> history(String promptId) {
    return request(HttpMethod.GET, "/history/" + encode(promptId), timeoutMs).send().map(r -> {
      JsonObject body = json("/history", ok("/history", r));
      Object entry = body.getValue(promptId);
      if (entry != null && !(entry instanceof JsonObject)) {
        throw new ComfyUiException("ComfyUI /history answered an entry that is not an object: " + snippet(r.bodyAsString()), true);
      }
      return (JsonObject) entry;
    });
  }

  /** {@code GET /queue}: which prompts are running and pending. */
  Future<QueueState> queue(long timeout) {
    return request(HttpMethod.GET, "/queue", timeout).send().map(r -> QueueState.from(json("/queue", ok("/queue", r))));
  }

  /** {@code POST /interrupt} with the prompt id (newer ComfyUI interrupts only that prompt). */
  Future<Void> interrupt(String promptId, long timeout) {
    return request(HttpMethod.POST, "/interrupt", timeout).sendJsonObject(new JsonObject().put("prompt_id", promptId))
      .map(r -> ok("/interrupt", r)).mapEmpty();
  }

  /** {@code POST /queue {"delete": [id]}}: removes a pending prompt (a no-op once it runs). */
  Future<Void> unqueue(String promptId, long timeout) {
    return request(HttpMethod.POST, "/queue", timeout)
      .sendJsonObject(new JsonObject().put("delete", new JsonArray().add(promptId)))
      .map(r -> ok("/queue", r)).mapEmpty();
  }

  Future<JsonObject> systemStats(long timeout) {
    return request(HttpMethod.GET, "/system_stats", timeout).send().map(r -> json("/system_stats", ok("/system_stats", r)));
  }

  /** {@code GET /object_info/{class}}: one node's definition ({@code {}} when not installed). */
  Future<JsonObject> nodeInfo(String nodeClass, long timeout) {
    String path = "/object_info/" + encode(nodeClass);
    return request(HttpMethod.GET, path, timeout).send().map(r -> json(path, ok(path, r)));
  }

  /**
   * {@code GET /view} of an output file; {@code onBody} gets the 200 response before any of its body was
   * read (it must consume or pause it at once). Bounded by an idle timeout, so big files may take longer.
   */
  <T> Future<T> view(OutputFiles.OutputFile f, Function<HttpClientResponse, Future<T>> onBody) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setIdleTimeout(timeoutMs)
      .setURI(basePath + "/view?filename=" + encode(f.filename()) + "&subfolder=" + encode(f.subfolder())
        + "&type=" + encode(f.type()));
    if (authorization != null) {
      o.putHeader("Authorization", authorization);
    }
    return http.request(o).compose(req -> req.send().compose(resp -> {
      if (resp.statusCode() == 200) {
        return onBody.apply(resp);
      }
      return resp.body().transform(ar -> Future.failedFuture(new ComfyUiException("ComfyUI /view of " + f.filename()
        + " answered HTTP " + resp.statusCode(), BackendFailure.isRetryableStatus(resp.statusCode()))));
    }));
  }

  Future<Void> close() {
    web.close();
    return Future.join(http.close(), sockets.close()).mapEmpty();
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path, long timeout) {
    HttpRequest<Buffer> r = web.request(method, basePath + path).timeout(timeout);
    if (authorization != null) {
      r.putHeader("Authorization", authorization);
    }
    return r;
  }

  private static HttpResponse<Buffer> ok(String what, HttpResponse<Buffer> r) {
    if (r.statusCode() / 100 != 2) {
      JobOutcome.Failure f = (JobOutcome.Failure) BackendFailure.fromStatus("ComfyUI " + what, r.statusCode(), r.bodyAsString());
      throw new ComfyUiException(f.message(), f.retryable());
    }
    return r;
  }

  /** The body as a JSON object; anything else is a (retryable) backend fault. */
  private static JsonObject json(String what, HttpResponse<Buffer> r) {
    try {
      if (r.body() != null) {
        return new JsonObject(r.body());
      }
    } catch (DecodeException | ClassCastException e) {
      // reported below
    }
    throw new ComfyUiException("ComfyUI " + what + " answered something that is not a JSON object: "
      + snippet(r.bodyAsString()), true);
  }

  private static ComfyUiException rejected(HttpResponse<Buffer> r) {
    try {
      return new ComfyUiException(ComfyUiFailures.rejection(new JsonObject(r.body())), false);
    } catch (RuntimeException notJson) {
      return new ComfyUiException("ComfyUI refused the workflow (HTTP 400): " + snippet(r.bodyAsString()), false);
    }
  }

  static String snippet(String body) {
    if (body == null || body.isBlank()) {
      return "(empty)";
    }
    String b = body.strip();
    return b.length() > 200 ? b.substring(0, 200) + "…" : b;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
