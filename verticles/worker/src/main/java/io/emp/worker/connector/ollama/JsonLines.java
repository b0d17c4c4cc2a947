package io.emp.worker.connector.ollama;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One HTTP exchange whose answer is newline-delimited JSON, as Ollama streams {@code /api/generate},
 * {@code /api/chat} and {@code /api/pull}. The caller {@link #open opens} it, looks at the status, then
 * {@link #read reads} the lines. {@link #abort()} resets the request: on HTTP/1.1 that closes the
 * connection, which is how Ollama learns to stop generating (or pulling). Used on one context.
 *
 * <p>The request's own idle timeout covers the wait for the response head only; while the lines are
 * read, a watchdog timer re-armed by every line does the same, so a stream that stalls is closed too.
 */
final class JsonLines {
  static final int MAX_LINE_BYTES = 4 * 1024 * 1024;
  static final int MAX_ERROR_BYTES = 64 * 1024;

  /** A line of the stream that is not a JSON object. */
  static final class MalformedLine extends RuntimeException {
    MalformedLine(String line) {
      super("malformed line in the stream: " + (line.length() > 120 ? line.substring(0, 120) + "…" : line));
    }
  }

  private final Vertx vertx;
  private final long idleMs;
  private HttpClientRequest request;
  private boolean aborted;
  private long watchdog = -1;

  /** @param idleMs longest silence between two lines of the answer */
  JsonLines(Vertx vertx, long idleMs) {
    this.vertx = vertx;
    this.idleMs = idleMs;
  }

  /** Sends the request (with {@code body} unless null); completes with the response, its body not read yet. */
  Future<HttpClientResponse> open(HttpClient client, RequestOptions options, Buffer body) {
    return client.request(options).compose(req -> {
      request = req;
      if (aborted) {
        req.reset();
        return Future.failedFuture(new CancellationException("aborted"));
      }
      return body == null ? req.send() : req.send(body);
    });
  }

  /** Stops the exchange: resets the request (closing its connection); a read in progress fails. */
  void abort() {
    aborted = true;
    if (request != null) {
      request.reset();
    }
  }

  /**
   * Hands each non-blank line, parsed, to {@code onLine} until it returns a value, which completes
   * the read (later lines are ignored). The stream ending first completes it with {@code onEnd}. A
   * line that is not a JSON object fails the read with {@link MalformedLine} and aborts the exchange;
   * a connection error, reset or idle timeout fails it with that error.
   */
  <T> Future<T> read(HttpClientResponse response, Function<JsonObject, T> onLine, Supplier<T> onEnd) {
    Promise<T> result = Promise.promise();
    result.future().onComplete(ar -> vertx.cancelTimer(watchdog));
    arm(result);
    RecordParser lines = RecordParser.newDelimited("\n", response).maxRecordSize(MAX_LINE_BYTES);
    lines.exceptionHandler(result::tryFail);
    response.exceptionHandler(result::tryFail);
    lines.handler(buf -> {
      if (result.future().isComplete()) {
        return;
      }
      arm(result);
      String text = buf.toString(StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return;
      }
      JsonObject json;
      try {
        json = new JsonObject(text);
      } catch (DecodeException | ClassCastException e) {
        result.tryFail(new MalformedLine(text));
        abort();
        return;
      }
      T value;
      try {
        value = onLine.apply(json);
      } catch (RuntimeException e) {
        // a line of an unexpected shape must not leave the read hanging
        result.tryFail(new MalformedLine(text));
        abort();
        return;
      }
      if (value != null) {
        result.tryComplete(value);
      }
    });
    lines.endHandler(v -> {
      if (!result.future().isComplete()) {
        result.tryComplete(onEnd.get());
      }
    });
    return result.future();
  }

  /** (Re-)arms the watchdog: silence for {@code idleMs} fails the read with a timeout and aborts. */
  private void arm(Promise<?> result) {
    vertx.cancelTimer(watchdog);
    watchdog = vertx.setTimer(idleMs, t -> {
      if (result.tryFail(new TimeoutException("no data for " + idleMs + " ms"))) {
        abort();
      }
    });
  }

  /**
   * The {@code error} of a JSON error body (Ollama's shape), else the body itself; at most 64 KiB is
   * kept, and a body that stalls is cut by the watchdog (what arrived so far is used).
   */
  Future<String> errorText(HttpClientResponse response) {
    Promise<String> text = Promise.promise();
    text.future().onComplete(ar -> vertx.cancelTimer(watchdog));
    Buffer body = Buffer.buffer();
    Runnable done = () -> text.tryComplete(body.toString(StandardCharsets.UTF_8));
    armThen(done);
    response.exceptionHandler(e -> done.run());
    response.handler(b -> {
      armThen(done);
      if (body.length() < MAX_ERROR_BYTES) {
        body.appendBuffer(b.length() > MAX_ERROR_BYTES - body.length() ? b.slice(0, MAX_ERROR_BYTES - body.length()) : b);
      }
    });
    response.endHandler(v -> done.run());
    return text.future().map(JsonLines::errorField);
  }

  private void armThen(Runnable onSilence) {
    vertx.cancelTimer(watchdog);
    watchdog = vertx.setTimer(idleMs, t -> {
      abort();
      onSilence.run();
    });
  }

  static String errorField(String body) {
    String b = body.strip();
    if (b.startsWith("{")) {
      try {
        Object e = new JsonObject(b).getValue("error");
        if (e instanceof String s && !s.isBlank()) {
          return s;
        }
        if (e instanceof JsonObject o && o.getString("message") != null) {
          return o.getString("message");
        }
      } catch (DecodeException | ClassCastException ignored) {
        // not JSON after all: quote the text
      }
    }
    return b.length() > 300 ? b.substring(0, 300) + "…" : b;
  }
}
