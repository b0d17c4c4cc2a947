package io.emp.worker.connector.openai;

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
 * One HTTP exchange with an OpenAI-compatible server: {@link #open} sends the request, then the answer
 * is read either as server-sent events ({@link #readEvents}: {@code data: {chunk}} lines until
 * {@code data: [DONE]}) or as one JSON body ({@link #readJson}). {@link #abort()} resets the request,
 * closing its HTTP/1.1 connection — the server stops generating. Used on one context.
 *
 * <p>The request's idle timeout covers the wait for the response head; while the body is read, a
 * watchdog re-armed by every line (or buffer) closes an answer that stays silent for {@code idleMs}.
 */
final class SseExchange {
  static final int MAX_LINE_BYTES = 4 * 1024 * 1024;
  static final int MAX_ERROR_BYTES = 64 * 1024;
  /** Images as base64 and large embedding batches are big, but not unbounded. */
  static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  /** A chunk of the stream (or a body) that is not the JSON it should be. */
  static final class Malformed extends RuntimeException {
    Malformed(String what, String text) {
      super(what + ": " + (text.length() > 120 ? text.substring(0, 120) + "…" : text));
    }
  }

  private final Vertx vertx;
  private final long idleMs;
  private HttpClientRequest request;
  private boolean aborted;
  private long watchdog = -1;

  SseExchange(Vertx vertx, long idleMs) {
    this.vertx = vertx;
    this.idleMs = idleMs;
  }

  /** Sends the request; completes with the response, its body not read yet. */
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
   * Reads server-sent events: each event's {@code data} (lines joined) goes to {@code onChunk} as JSON
   * until it returns a value (the rest of the stream is then closed), {@code [DONE]} completes with
   * {@code onDone}, the stream ending first with {@code onEnd}. Comments ({@code : keep-alive}) and
   * other fields are skipped. Data that is not a JSON object fails the read with {@link Malformed}.
   */
  <T> Future<T> readEvents(HttpClientResponse response, Function<JsonObject, T> onChunk, Supplier<T> onDone,
                           Supplier<T> onEnd) {
    Promise<T> result = watched();
    StringBuilder data = new StringBuilder();
    RecordParser lines = RecordParser.newDelimited("\n", response).maxRecordSize(MAX_LINE_BYTES);
    lines.exceptionHandler(result::tryFail);
    response.exceptionHandler(result::tryFail);
    lines.handler(buf -> {
      if (result.future().isComplete()) {
        return;
      }
      arm(result);
      String line = buf.toString(StandardCharsets.UTF_8);
      line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      if (line.isEmpty()) {
        dispatch(data, result, onChunk, onDone);
      } else if (line.startsWith("data:")) {
        String value = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
        data.append(data.isEmpty() ? "" : "\n").append(value);
        if (data.length() > MAX_LINE_BYTES) {
          result.tryFail(new Malformed("an event larger than " + MAX_LINE_BYTES + " bytes", data.substring(0, 120)));
          abort();
        }
      }
    });
    lines.endHandler(v -> {
      dispatch(data, result, onChunk, onDone);
      if (!result.future().isComplete()) {
        result.tryComplete(onEnd.get());
      }
    });
    return result.future();
  }

  /** Reads the whole body as one JSON object (at most {@link #MAX_BODY_BYTES}). */
  Future<JsonObject> readJson(HttpClientResponse response) {
    Promise<JsonObject> result = watched();
    Buffer body = Buffer.buffer();
    response.exceptionHandler(result::tryFail);
    response.handler(b -> {
      arm(result);
      body.appendBuffer(b);
      if (body.length() > MAX_BODY_BYTES && result.tryFail(new IllegalArgumentException("the answer is larger than "
        + MAX_BODY_BYTES / (1024 * 1024) + " MiB"))) {
        abort();
      }
    });
    response.endHandler(v -> {
      String text = body.toString(StandardCharsets.UTF_8);
      try {
        result.tryComplete(new JsonObject(text));
      } catch (DecodeException | ClassCastException e) {
        result.tryFail(new Malformed("the answer is not a JSON object", text));
      }
    });
    return result.future();
  }

  /** The body of an error answer as text: at most 64 KiB kept; a body that stalls is cut by the watchdog. */
  Future<String> errorBody(HttpClientResponse response) {
    Promise<String> text = Promise.promise();
    Buffer body = Buffer.buffer();
    Runnable done = () -> text.tryComplete(body.toString(StandardCharsets.UTF_8));
    Promise<Void> silence = watched();
    silence.future().onFailure(e -> done.run());
    text.future().onComplete(ar -> silence.tryComplete());
    response.exceptionHandler(e -> done.run());
    response.handler(b -> {
      arm(silence);
      if (body.length() < MAX_ERROR_BYTES) {
        body.appendBuffer(b.length() > MAX_ERROR_BYTES - body.length() ? b.slice(0, MAX_ERROR_BYTES - body.length()) : b);
      }
    });
    response.endHandler(v -> done.run());
    return text.future();
  }

  private <T> void dispatch(StringBuilder data, Promise<T> result, Function<JsonObject, T> onChunk, Supplier<T> onDone) {
    if (data.isEmpty() || result.future().isComplete()) {
      return;
    }
    String text = data.toString().strip();
    data.setLength(0);
    if (text.equals("[DONE]")) {
      result.tryComplete(onDone.get());
      return;
    }
    JsonObject chunk;
    try {
      chunk = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      result.tryFail(new Malformed("malformed chunk in the stream", text));
      abort();
      return;
    }
    T value;
    try {
      value = onChunk.apply(chunk);
    } catch (RuntimeException e) {
      // a chunk of an unexpected shape must not leave the read hanging
      result.tryFail(new Malformed("malformed chunk in the stream", text));
      abort();
      return;
    }
    if (value != null && result.tryComplete(value)) {
      abort();
    }
  }

  private <T> Promise<T> watched() {
    Promise<T> result = Promise.promise();
    result.future().onComplete(ar -> vertx.cancelTimer(watchdog));
    arm(result);
    return result;
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
}
