package io.emp.worker.connector.openai;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side of one openai connector: a pooled client, requests under {@code <base>/v1} with the
 * bearer key and organization headers, each bounded by an idle timeout. The key lives only in the
 * {@code Authorization} header: {@link #redact} removes it from any text a server echoes back before
 * that text reaches a log line, a job's error or its result.
 */
final class OpenAiHttp {
  static final int POOL_SIZE = 64;
  static final long CONNECT_TIMEOUT_MS = 10_000;
  private static final String MASK = "***";

  /** A non-2xx answer to a GET. */
  static final class StatusException extends RuntimeException {
    final int status;

    StatusException(int status, String message) {
      super("HTTP " + status + ": " + message);
      this.status = status;
    }
  }

  private final Vertx vertx;
  private final OpenAiSettings settings;
  private final HttpClient client;

  OpenAiHttp(Vertx vertx, OpenAiSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(POOL_SIZE));
  }

  HttpClient client() {
    return client;
  }

  /** A new exchange, silent for at most {@code EMP_OPENAI_TIMEOUT_S}. */
  SseExchange exchange() {
    return new SseExchange(vertx, settings.timeoutS() * 1000L);
  }

  /** A JSON POST to {@code /v1/...}; {@code stream} asks for server-sent events. */
  RequestOptions post(String path, boolean stream) {
    return options(HttpMethod.POST, path, settings.timeoutS() * 1000L)
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.ACCEPT, stream ? "text/event-stream" : "application/json");
  }

  /**
   * GETs a JSON object within {@code timeoutMs} (the request is reset at the deadline, so a stalled
   * server holds no pooled connection); a non-2xx answer fails with a {@link StatusException}.
   */
  Future<JsonObject> getJson(String path, long timeoutMs) {
    // The whole exchange runs on one context. Called from a thread outside Vert.x (a test, a tool), the
    // response could otherwise be emitted on the event loop before the caller's thread had set its
    // body handlers: the answer was lost, or read twice (IllegalStateException).
    Promise<JsonObject> onContext = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> exchangeJson(path, timeoutMs).onComplete(onContext));
    return onContext.future();
  }

  private Future<JsonObject> exchangeJson(String path, long timeoutMs) {
    SseExchange call = new SseExchange(vertx, timeoutMs);
    long deadline = vertx.setTimer(timeoutMs, t -> call.abort());
    return call.open(client, options(HttpMethod.GET, path, timeoutMs), null)
      .compose(resp -> resp.statusCode() / 100 == 2
        ? resp.body().map(Buffer::toJsonObject)
        : call.errorBody(resp).compose(body -> Future.failedFuture(
          new StatusException(resp.statusCode(), redact(OpenAiErrors.message(body))))))
      .andThen(ar -> vertx.cancelTimer(deadline));
  }

  Future<Void> close() {
    return client.close();
  }

  /** How a failure to talk to the server reads in a job's error (a timeout names the setting). */
  String describe(Throwable e) {
    if (e instanceof TimeoutException) {
      return "no answer for " + settings.timeoutS() + " s (EMP_OPENAI_TIMEOUT_S) from " + settings.displayUrl();
    }
    String m = e.getMessage();
    return redact((m == null || m.isBlank() ? e.getClass().getSimpleName() : m) + " (" + settings.displayUrl() + ")");
  }

  /** {@code text} with every occurrence of the API key masked. */
  String redact(String text) {
    String key = settings.apiKey();
    return text == null || key == null || !text.contains(key) ? text : text.replace(key, MASK);
  }

  /** {@code doc} with every occurrence of the API key masked (a server might echo it). */
  JsonObject redact(JsonObject doc) {
    String key = settings.apiKey();
    if (key == null) {
      return doc;
    }
    String encoded = doc.encode();
    return encoded.contains(key) ? new JsonObject(encoded.replace(key, MASK)) : doc;
  }

  private RequestOptions options(HttpMethod method, String path, long timeoutMs) {
    RequestOptions o = new RequestOptions()
      .setMethod(method)
      .setHost(settings.baseUrl().getHost())
      .setPort(settings.port())
      .setSsl(settings.ssl())
      .setURI(settings.basePath() + path)
      .setConnectTimeout(Math.min(CONNECT_TIMEOUT_MS, timeoutMs))
      .setIdleTimeout(timeoutMs);
    if (settings.apiKey() != null) {
      o.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.apiKey());
    }
    if (settings.organization() != null) {
      o.putHeader("OpenAI-Organization", settings.organization());
    }
    return o;
  }
}
