package io.emp.api;

import io.emp.core.events.BrokerEvent;
import io.emp.core.model.Job;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /api/jobs/{id}/events}: the job's Server-Sent Events. A new client gets the {@code state}
 * first, then every event after it; a client resuming with {@code Last-Event-ID} (or
 * {@code ?last_event_id=}) gets the job's missed events replayed from the Redis stream, then live ones.
 *
 * <p>Order of operations is what makes it exact: the live consumer is registered first, then the job
 * and the newest stream id are read in one atomic call ({@code emp_get_job}), so the state contains
 * exactly the events up to that id and every later one reaches the consumer — no gap, no duplicate.
 * If the events after a resume point were trimmed from the stream, the client gets the state instead
 * of a replay with a hole in it.
 */
final class JobEvents {
  private final Vertx vertx;
  private final BrokerStore store;
  private final EventLog log;
  private final long keepAliveMs;
  private final ApiMetrics metrics;

  JobEvents(Vertx vertx, BrokerStore store, EventLog log, long keepAliveMs, ApiMetrics metrics) {
    this.vertx = vertx;
    this.store = store;
    this.log = log;
    this.keepAliveMs = keepAliveMs;
    this.metrics = metrics;
  }

  void stream(RoutingContext rc) {
    String jobId = rc.pathParam("id");
    if (!Jobs.isJobId(jobId)) {
      throw ApiError.unknownJob(jobId);
    }
    String resumeFrom = resumePoint(rc);
    SseStream stream = SseStream.ofJob(vertx, rc.response(), jobId, keepAliveMs, metrics);
    stream.subscribe(vertx.eventBus())
      .compose(v -> store.getJobSnapshot(jobId))
      .compose(snap -> {
        if (!TokenAuth.principal(rc).owns(snap.job().customerId())) {
          return Future.failedFuture(ApiError.unknownJob(jobId)); // no leak of other customers' jobs
        }
        String newest = snap.newestEventId() == null ? EventLog.START : snap.newestEventId();
        return resumeFrom == null
          ? fresh(stream, snap.job(), newest)
          : resume(stream, snap.job(), newest, resumeFrom);
      })
      .onFailure(e -> {
        stream.abandon();
        rc.fail(e);
      });
  }

  private Future<Void> fresh(SseStream stream, Job job, String newest) {
    stream.begin();
    stream.sendState(job, newest);
    stream.goLive();
    return Future.succeededFuture();
  }

  private Future<Void> resume(SseStream stream, Job job, String newest, String from) {
    return log.oldestId().compose(oldest -> {
      if (EventLog.mayHaveBeenTrimmed(oldest, from)) {
        return fresh(stream, job, newest); // a replay could have a hole: resynchronise with the state
      }
      return log.jobEventsAfter(from, job.id()).map(missed -> {
        replayThenLive(stream, job, missed);
        return null;
      });
    });
  }

  private void replayThenLive(SseStream stream, Job job, List<BrokerEvent> missed) {
    if (missed.isEmpty() && job.status().terminal()) {
      // The client already has the terminal event; 204 also tells EventSource to stop reconnecting.
      stream.noContent();
      return;
    }
    stream.begin();
    stream.replay(missed);
    stream.goLive();
  }

  /** {@code Last-Event-ID} header, else {@code ?last_event_id=}; null for a new stream. */
  static String resumePoint(RoutingContext rc) {
    String id = rc.request().getHeader("Last-Event-ID");
    String field = "Last-Event-ID";
    if (id == null || id.isBlank()) {
      id = rc.request().getParam("last_event_id");
      field = "last_event_id";
    }
    if (id == null || id.isBlank()) {
      return null;
    }
    if (!EventLog.STREAM_ID.matcher(id.trim()).matches()) {
      throw ApiError.invalid(field, "not an event id (<ms>-<seq>)");
    }
    return id.trim();
  }
}
