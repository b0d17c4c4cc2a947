package io.emp.worker.connector.rest;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with a deadline that the caller can abort (job cancelled, timed out). Redirects are
 * never followed: a backend must not send the worker elsewhere. The deadline covers connecting, sending
 * and reading the whole answer; when it passes, or on {@link #abort()}, the request is reset so its
 * connection is not held. Use it from one Vert.x context.
 */
public final class HttpCall {

  /** A complete answer: status, headers and the body as received. */
  public record Reply(int status, MultiMap headers, Buffer body) {
    public String text() {
      return body == null ? "" : body.toString(StandardCharsets.UTF_8);
    }

    public boolean is2xx() {
      return status >= 200 && status < 300;
    }

    /** True when the {@code Content-Type} says JSON ({@code application/json}, {@code ...+json}). */
    public boolean isJson() {
      String type = headers.get("Content-Type");
      if (type == null) {
        return false;
      }
      String media = type.split(";", 2)[0].trim().toLowerCase();
      return media.equals("application/json") || media.endsWith("+json");
    }
  }

  private final Promise<Reply> reply = Promise.promise();
  private HttpClientRequest request;

  private HttpCall() {
  }

  /**
   * Starts the exchange.
   *
   * @param body null for none
   */
  public static HttpCall send(HttpClient client, HttpMethod method, URI uri, MultiMap headers, Buffer body,
                              long timeoutMs) {
    HttpCall call = new HttpCall();
    call.start(client, new RequestOptions()
      .setMethod(method)
      .setAbsoluteURI(withPath(uri))
      .setHeaders(headers == null ? MultiMap.caseInsensitiveMultiMap() : headers)
      .setFollowRedirects(false), body, timeoutMs);
    return call;
  }

  /** The answer; fails with a {@link TimeoutException} after the deadline, or when aborted. */
  public Future<Reply> reply() {
    return reply.future();
  }

  /** Gives the exchange up: the request is reset and {@link #reply()} fails (if it had not completed). */
  public void abort() {
    if (reply.tryFail(new CancellationException("request aborted")) && request != null) {
      request.reset();
    }
  }

  private void start(HttpClient client, RequestOptions options, Buffer body, long timeoutMs) {
    client.request(options)
      .compose(req -> {
        request = req;
        req.exceptionHandler(e -> { }); // failures arrive through the futures; a reset is not an error to log
        if (reply.future().isComplete()) {
          req.reset();
          return Future.failedFuture(new CancellationException("request aborted"));
        }
        return body == null ? req.send() : req.send(body);
      })
      .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b)))
      .timeout(timeoutMs, TimeUnit.MILLISECONDS)
      .onComplete(ar -> {
        if (ar.succeeded()) {
          reply.tryComplete(ar.result());
          return;
        }
        Throwable cause = ar.cause() instanceof TimeoutException
          ? new TimeoutException("no complete answer within " + timeoutMs + " ms")
          : ar.cause();
        if (reply.tryFail(cause) && request != null) {
          request.reset();
        }
      });
  }

  private static String withPath(URI uri) {
    String s = uri.toString();
    return uri.getRawPath() == null || uri.getRawPath().isEmpty() ? s.replaceFirst("(://[^/?#]*)", "$1/") : s;
  }
}
