package io.emp.worker.connector.ollama;

import io.vertx.core.Future;
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
 * The HTTP side of one ollama connector: a pooled client and requests under the configured URL, each
 * bounded by an idle timeout (no byte of the answer for that long resets it).
 */
final class OllamaHttp {
  /** Streams hold a connection each; probes need one more. */
  static final int POOL_SIZE = 64;
  static final long CONNECT_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final OllamaSettings settings;
  private final HttpClient client;

  OllamaHttp(Vertx vertx, OllamaSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(POOL_SIZE));
  }

  /** A new streaming exchange, silent for at most {@code EMP_OLLAMA_TIMEOUT_S}. */
  JsonLines lines() {
    return new JsonLines(vertx, settings.timeoutS() * 1000L);
  }

  HttpClient client() {
    return client;
  }

  /** A JSON POST to {@code path}, silent for at most {@code EMP_OLLAMA_TIMEOUT_S}. */
  RequestOptions post(String path) {
    return options(HttpMethod.POST, path, settings.timeoutS() * 1000L)
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.ACCEPT, "application/x-ndjson");
  }

  /**
   * GETs a JSON object within {@code timeoutMs} (the request is reset at the deadline, so a stalled
   * server holds no pooled connection); a non-2xx answer fails with its status and error.
   */
  Future<JsonObject> getJson(String path, long timeoutMs) {
    // The whole exchange runs on one context. Called from a thread outside Vert.x (a test, a tool), the
    // response could otherwise be emitted on the event loop before the caller's thread had set its
    // body handlers, and the answer was lost (a probe timed out against a healthy server).
    io.vertx.core.Promise<JsonObject> onContext = io.vertx.core.Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> exchangeJson(path, timeoutMs).onComplete(onContext));
    return onContext.future();
  }

  private Future<JsonObject> exchangeJson(String path, long timeoutMs) {
    JsonLines call = new JsonLines(vertx, timeoutMs);
    // The deadline fails the answer itself: a request still waiting for a pooled connection cannot be
    // reset, and a probe must answer within its time whatever the client is doing.
    io.vertx.core.Promise<JsonObject> answer = io.vertx.core.Promise.promise();
    long deadline = vertx.setTimer(timeoutMs, t -> {
      call.abort();
      answer.tryFail(new TimeoutException("no answer from " + settings.displayUrl() + path + " within " + timeoutMs + " ms"));
    });
    call.open(client, options(HttpMethod.GET, path, timeoutMs), null)
      .compose(resp -> resp.statusCode() / 100 == 2
        ? resp.body().map(Buffer::toJsonObject)
        : call.errorText(resp).compose(e -> Future.failedFuture("HTTP " + resp.statusCode() + ": " + e)))
      .onComplete(ar -> {
        vertx.cancelTimer(deadline);
        answer.handle(ar);
      });
    return answer.future();
  }

  Future<Void> close() {
    return client.close();
  }

  /** How a failure to talk to the server reads in a job's error (a timeout names the setting). */
  String describe(Throwable e) {
    if (e instanceof TimeoutException) {
      return "no answer for " + settings.timeoutS() + " s (EMP_OLLAMA_TIMEOUT_S) from " + settings.displayUrl();
    }
    String m = e.getMessage();
    return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m) + " (" + settings.displayUrl() + ")";
  }

  private RequestOptions options(HttpMethod method, String path, long timeoutMs) {
    return new RequestOptions()
      .setMethod(method)
      .setHost(settings.url().getHost())
      .setPort(settings.port())
      .setSsl(settings.ssl())
      .setURI(settings.basePath() + path)
      .setConnectTimeout(Math.min(CONNECT_TIMEOUT_MS, timeoutMs))
      .setIdleTimeout(timeoutMs);
  }
}
