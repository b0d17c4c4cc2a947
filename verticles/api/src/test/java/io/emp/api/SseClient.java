package io.emp.api;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a {@code text/event-stream} the way the SSE spec says: blocks separated by a blank line,
 * {@code id:}, {@code event:}, {@code data:} fields, lines starting with {@code :} are comments.
 */
final class SseClient implements AutoCloseable {
  /** One block: an event (id, event, data) or a comment. */
  record Frame(String id, String event, String data, String comment) {
    JsonObject json() {
      return new JsonObject(data);
    }

    boolean isComment() {
      return comment != null;
    }
  }

  private final HttpClient client;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final Promise<Void> ended = Promise.promise();
  private final StringBuilder pending = new StringBuilder();
  private HttpClientResponse response;

  private SseClient(HttpClient client) {
    this.client = client;
  }

  /** Opens the stream; completes once the status line and headers arrived. */
  static SseClient open(Vertx vertx, int port, String uri, Map<String, String> headers) {
    SseClient c = new SseClient(vertx.createHttpClient());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(ApiTestBase.HOST).setPort(port)
      .setURI(uri);
    headers.forEach(options::addHeader);
    c.response = ApiTestBase.await(c.client.request(options)
      .compose(req -> req.send())
      .onSuccess(r -> {
        r.handler(buf -> c.onData(buf.toString()));
        r.endHandler(v -> c.ended.tryComplete());
        r.exceptionHandler(e -> c.ended.tryComplete());
      }));
    return c;
  }

  int status() {
    return response.statusCode();
  }

  String header(String name) {
    return response.getHeader(name);
  }

  /** The next event (comments skipped), waiting up to 10 s. */
  Frame nextEvent() {
    while (true) {
      Frame f = next(10_000);
      if (f == null) {
        throw new AssertionError("no SSE event within 10 s");
      }
      if (!f.isComment()) {
        return f;
      }
    }
  }

  /** The next frame of any kind, or null after {@code ms}. */
  Frame next(long ms) {
    try {
      return frames.poll(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Every event frame received so far, without waiting. */
  List<Frame> drainEvents() {
    List<Frame> all = new ArrayList<>();
    frames.drainTo(all);
    return all.stream().filter(f -> !f.isComment()).toList();
  }

  /** Waits for the server to end the response. */
  boolean awaitEnd(long ms) {
    try {
      ended.future().toCompletionStage().toCompletableFuture().get(ms, TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private synchronized void onData(String text) {
    pending.append(text.replace("\r\n", "\n"));
    int sep;
    while ((sep = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, sep);
      pending.delete(0, sep + 2);
      parse(block);
    }
  }

  private void parse(String block) {
    String id = null;
    String event = null;
    StringBuilder data = null;
    String comment = null;
    for (String line : block.split("\n")) {
      if (line.startsWith(":")) {
        comment = line.substring(1).trim();
      } else if (line.startsWith("id:")) {
        id = line.substring(3).trim();
      } else if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data = data == null ? new StringBuilder() : data.append('\n');
        data.append(line.substring(5).trim());
      }
    }
    frames.add(data == null && event == null ? new Frame(null, null, null, comment) : new Frame(id, event,
      data == null ? null : data.toString(), null));
  }

  @Override
  public void close() {
    ApiTestBase.await(client.close());
  }
}
