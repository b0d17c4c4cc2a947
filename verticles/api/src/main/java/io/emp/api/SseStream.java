package io.emp.api;

import io.emp.core.LogSafe;
import io.emp.core.bus.Addresses;
import io.emp.core.events.BrokerEvent;
import io.emp.core.model.Job;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's {@code text/event-stream}: of one job ({@link #ofJob}) or of every job of the namespace
 * ({@link #ofAllJobs}). Live events are buffered from the moment {@link #subscribe} completes until
 * {@link #goLive}, so nothing that happens while the state is read or missed events are replayed is
 * lost; an event whose stream id is not after the last one sent is dropped, so nothing arrives twice.
 * A job's stream ends after its terminal event. The stream releases its consumer and timer when it
 * ends or the client goes away. Runs on the verticle's event loop.
 *
 * <p>A client that does not read is disconnected (it resumes with {@code Last-Event-ID}) so the server
 * never buffers without bound: a job's stream at once, the namespace stream once more than
 * {@code maxBacklog} events wait for the socket (a burst of events legitimately outruns one flush).
 */
final class SseStream {
  private static final Logger LOG = LoggerFactory.getLogger(SseStream.class);
  /** Events the namespace stream holds for a client whose socket is full before it gives up on it. */
  static final int ALL_JOBS_BACKLOG = 10_000;

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final String address;
  private final String label;
  private final boolean endAtTerminal;
  private final int maxBacklog;
  private final long keepAliveMs;
  private final ApiMetrics metrics;
  private final List<JsonObject> pending = new ArrayList<>();
  private final ArrayDeque<String> backlog = new ArrayDeque<>();
  private MessageConsumer<JsonObject> consumer;
  private Promise<Void> drained;
  private String lastId;
  private boolean live;
  private boolean begun;
  private boolean closed;
  private long keepAliveTimer = -1;

  private SseStream(Vertx vertx, HttpServerResponse response, String address, String label, boolean endAtTerminal,
                    int maxBacklog, long keepAliveMs, ApiMetrics metrics) {
    this.vertx = vertx;
    this.response = response;
    this.address = address;
    this.label = label;
    this.endAtTerminal = endAtTerminal;
    this.maxBacklog = maxBacklog;
    this.keepAliveMs = keepAliveMs;
    this.metrics = metrics;
    response.closeHandler(v -> release());
  }

  /** The events of one job; ends after its terminal event. */
  static SseStream ofJob(Vertx vertx, HttpServerResponse response, String jobId, long keepAliveMs, ApiMetrics metrics) {
    return new SseStream(vertx, response, Addresses.job(jobId), "job " + jobId, true, 0, keepAliveMs, metrics);
  }

  /** Every job event of the namespace; never ends by itself. */
  static SseStream ofAllJobs(Vertx vertx, HttpServerResponse response, long keepAliveMs, ApiMetrics metrics) {
    return new SseStream(vertx, response, Addresses.EVENTS_JOBS, "every job", false, ALL_JOBS_BACKLOG, keepAliveMs,
      metrics);
  }

  /** Starts buffering live events; completes once the consumer is registered. */
  Future<Void> subscribe(EventBus bus) {
    consumer = bus.localConsumer(address, msg -> onLive(msg.body()));
    return consumer.completion();
  }

  /** Writes the status line and headers and starts the keep-alive comments. */
  void begin() {
    if (closed || begun) {
      return;
    }
    begun = true;
    metrics.sseOpened();
    response.setStatusCode(200)
      .setChunked(true)
      .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
      .putHeader("X-Accel-Buffering", "no");
    response.write(": stream of " + label + "\n\n");
    keepAliveTimer = vertx.setPeriodic(keepAliveMs, t -> {
      if (backlog.isEmpty()) {
        write(": keep-alive\n\n");
      }
    });
  }

  /** The {@code state} event: the job as it is, with the stream id the state is current at. */
  void sendState(Job job, String streamId) {
    frame(streamId, "state", job.toJson());
    if (job.status().terminal()) {
      end();
    }
  }

  /**
   * A control event of the stream itself ({@code live}, {@code reset}). An id becomes the resume point,
   * so later events not after it are dropped as already covered; null leaves the resume point alone.
   */
  void sendMarker(String streamId, String type, JsonObject data) {
    frame(streamId, type, data);
  }

  /** Sends replayed events in order; stops (and ends a job's stream) at a terminal one. */
  void replay(List<BrokerEvent> events) {
    for (BrokerEvent e : events) {
      deliver(e.toJson());
    }
  }

  /** Completes when nothing waits for the socket any more (at once when nothing does). */
  Future<Void> drained() {
    if (closed || backlog.isEmpty()) {
      return Future.succeededFuture();
    }
    if (drained == null) {
      drained = Promise.promise();
    }
    return drained.future();
  }

  /** From now on live events go straight to the client; the buffered ones go first. */
  void goLive() {
    live = true;
    List<JsonObject> buffered = List.copyOf(pending);
    pending.clear();
    buffered.forEach(this::deliver);
  }

  boolean isClosed() {
    return closed;
  }

  /** Ends the response: after a terminal event, or for a resume that has nothing left to say. */
  void end() {
    if (!closed) {
      if (begun) {
        response.end();
      }
      release();
    }
  }

  /** Answers 204 instead of a stream: nothing to send, and EventSource must not reconnect. */
  void noContent() {
    if (!closed) {
      release();
      response.setStatusCode(204).end();
    }
  }

  /** Stops without writing: the setup failed and the error mapper answers instead. */
  void abandon() {
    release();
  }

  private void onLive(JsonObject event) {
    if (closed) {
      return;
    }
    if (live) {
      deliver(event);
    } else {
      pending.add(event);
    }
  }

  private void deliver(JsonObject event) {
    String id = event.getString("id");
    if (closed || id == null || lastId != null && !BrokerEvent.isAfter(id, lastId)) {
      return; // already sent: replayed, or reported twice by two tailers of this process
    }
    frame(id, event.getString("type"), event);
    if (endAtTerminal && BrokerEvent.fromJson(event).isTerminal()) {
      end();
    }
  }

  /** One event; without an id the client's resume point stays where it was. */
  private void frame(String id, String type, JsonObject data) {
    if (id == null) {
      write("event: " + type + "\ndata: " + data.encode() + "\n\n");
      return;
    }
    lastId = id;
    write("id: " + id + "\nevent: " + type + "\ndata: " + data.encode() + "\n\n");
  }

  private void write(String text) {
    if (closed) {
      return;
    }
    if (!backlog.isEmpty()) {
      queue(text);
      return;
    }
    response.write(text);
    if (response.writeQueueFull()) {
      if (maxBacklog == 0) {
        disconnect();
      } else {
        response.drainHandler(v -> flushBacklog());
        backlog.add(""); // marks the socket as full until it drains
      }
    }
  }

  private void queue(String text) {
    if (backlog.size() > maxBacklog) {
      disconnect();
      return;
    }
    backlog.add(text);
  }

  private void flushBacklog() {
    while (!closed && !backlog.isEmpty()) {
      String next = backlog.poll();
      if (!next.isEmpty()) {
        response.write(next);
      }
      if (response.writeQueueFull() && !backlog.isEmpty()) {
        return; // the drain handler calls again
      }
    }
    if (drained != null && backlog.isEmpty()) {
      Promise<Void> p = drained;
      drained = null;
      p.tryComplete();
    }
  }

  /** A client that does not read would make us buffer without bound; it resumes with Last-Event-ID. */
  private void disconnect() {
    LOG.info("closing the event stream of {}: the client is not reading", LogSafe.of(label));
    release();
    response.reset();
  }

  private void release() {
    if (closed) {
      return;
    }
    closed = true;
    pending.clear();
    backlog.clear();
    if (consumer != null) {
      consumer.unregister();
    }
    if (keepAliveTimer >= 0) {
      vertx.cancelTimer(keepAliveTimer);
    }
    if (drained != null) {
      drained.tryComplete();
      drained = null;
    }
    if (begun) {
      metrics.sseClosed();
    }
  }
}
