package io.emp.api;

import io.emp.core.bus.Addresses;
import io.emp.core.events.BrokerEvent;
import io.emp.core.model.Job;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's {@code text/event-stream} of one job. Live events are buffered from the moment
 * {@link #subscribe} completes until {@link #goLive}, so nothing that happens while the state is read
 * or missed events are replayed is lost; an event whose stream id is not after the last one sent is
 * dropped, so nothing arrives twice. The stream ends after a terminal event, and releases its
 * consumer and timer when it ends or the client goes away. Runs on the verticle's event loop.
 */
final class SseStream {
  private static final Logger LOG = LoggerFactory.getLogger(SseStream.class);
  private final Vertx vertx;
  private final HttpServerResponse response;
  private final String jobId;
  private final long keepAliveMs;
  private final ApiMetrics metrics;
  private final List<JsonObject> pending = new ArrayList<>();
  private MessageConsumer<JsonObject> consumer;
  private String lastId;
  private boolean live;
  private boolean begun;
  private boolean closed;
  private long keepAliveTimer = -1;

  SseStream(Vertx vertx, HttpServerResponse response, String jobId, long keepAliveMs, ApiMetrics metrics) {
    this.vertx = vertx;
    this.response = response;
    this.jobId = jobId;
    this.keepAliveMs = keepAliveMs;
    this.metrics = metrics;
    response.closeHandler(v -> release());
  }

  /** Starts buffering the job's live events; completes once the consumer is registered. */
  Future<Void> subscribe(EventBus bus) {
    consumer = bus.localConsumer(Addresses.job(jobId), msg -> onLive(msg.body()));
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
    response.write(": stream of job " + jobId + "\n\n");
    keepAliveTimer = vertx.setPeriodic(keepAliveMs, t -> write(": keep-alive\n\n"));
  }

  /** The {@code state} event: the job as it is, with the stream id the state is current at. */
  void sendState(Job job, String streamId) {
    frame(streamId, "state", job.toJson());
    if (job.status().terminal()) {
      end();
    }
  }

  /** Sends replayed events in order; stops (and ends the stream) at a terminal one. */
  void replay(List<BrokerEvent> events) {
    for (BrokerEvent e : events) {
      deliver(e.toJson());
    }
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
    if (BrokerEvent.fromJson(event).isTerminal()) {
      end();
    }
  }

  private void frame(String id, String type, JsonObject data) {
    lastId = id;
    write("id: " + id + "\nevent: " + type + "\ndata: " + data.encode() + "\n\n");
  }

  private void write(String text) {
    if (closed) {
      return;
    }
    response.write(text);
    if (response.writeQueueFull()) {
      // A client that does not read would make us buffer without bound; it resumes with Last-Event-ID.
      LOG.info("closing the event stream of job {}: the client is not reading", jobId);
      release();
      response.reset();
    }
  }

  private void release() {
    if (closed) {
      return;
    }
    closed = true;
    pending.clear();
    if (consumer != null) {
      consumer.unregister();
    }
    if (keepAliveTimer >= 0) {
      vertx.cancelTimer(keepAliveTimer);
    }
    if (begun) {
      metrics.sseClosed();
    }
  }
}
