package io.emp.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/events}: every job event of the namespace as Server-Sent Events, for dashboards and
 * {@code emp events --follow}. A new stream starts live; a client resuming with {@code Last-Event-ID}
 * (or {@code ?last_event_id=}) first gets the job events after that id replayed from the Redis stream,
 * page by page at the pace the client reads, then live ones. The event {@code live} marks the switch
 * (its id is the resume point from then on); {@code reset} says events may have been missed: trimmed
 * from the stream, or further behind than one replay reads ({@value #MAX_REPLAY_SCAN} entries). A stream
 * nothing was ever trimmed from needs no {@code reset}, so {@code <ms>-0} replays from a point in time.
 *
 * <p>The same ordering as a job's stream makes it exact: the live consumer is registered before the
 * stream is read, and events not after the last one sent are dropped.
 */
final class AllEvents {
  static final String PATH = "/api/events";
  static final long MAX_REPLAY_SCAN = 50_000;
  static final int REPLAY_PAGE = 500;

  private final Vertx vertx;
  private final EventLog log;
  private final long keepAliveMs;
  private final ApiMetrics metrics;

  AllEvents(Vertx vertx, EventLog log, long keepAliveMs, ApiMetrics metrics) {
    this.vertx = vertx;
    this.log = log;
    this.keepAliveMs = keepAliveMs;
    this.metrics = metrics;
  }

  void stream(RoutingContext rc) {
    String from = JobEvents.resumePoint(rc);
    SseStream stream = SseStream.ofAllJobs(vertx, rc.response(), keepAliveMs, metrics);
    stream.subscribe(vertx.eventBus())
      .compose(v -> log.newestId())
      .compose(newest -> from == null ? fresh(stream, newest) : resume(stream, from, newest))
      .onFailure(e -> {
        stream.abandon();
        rc.fail(e);
      });
  }

  /** Live from now: the marker's id is the newest event, which the client has no need to see. */
  private Future<Void> fresh(SseStream stream, String newest) {
    stream.begin();
    goLive(stream, newest == null ? EventLog.START : newest, 0);
    return Future.succeededFuture();
  }

  private Future<Void> resume(SseStream stream, String from, String newest) {
    return Future.all(log.oldestId(), log.everTrimmed()).compose(both -> {
      String oldest = both.resultAt(0);
      boolean trimmed = both.resultAt(1);
      stream.begin();
      if (trimmed && EventLog.mayHaveBeenTrimmed(oldest, from)) {
        stream.sendMarker(null, "reset", new JsonObject().put("reason", "trimmed").put("oldest", oldest));
      }
      return replay(stream, from, MAX_REPLAY_SCAN, 0);
    }).map(r -> {
      if (r.complete()) {
        goLive(stream, r.lastId(), r.replayed());
      } else {
        stream.sendMarker(null, "reset", new JsonObject().put("reason", "too_far_behind").put("skipped_after", r.lastId()));
        goLive(stream, newest == null ? r.lastId() : newest, r.replayed());
      }
      return null;
    });
  }

  private record Replayed(String lastId, long replayed, boolean complete) {
  }

  /** Replays pages after {@code after}, waiting for the client to read each before the next. */
  private Future<Replayed> replay(SseStream stream, String after, long budget, long replayed) {
    if (stream.isClosed()) {
      return Future.succeededFuture(new Replayed(after, replayed, true));
    }
    return log.jobEventsPage(after, REPLAY_PAGE).compose(page -> {
      stream.replay(page.jobEvents());
      long sent = replayed + page.jobEvents().size();
      if (page.atEnd()) {
        return Future.succeededFuture(new Replayed(page.lastId(), sent, true));
      }
      if (budget - REPLAY_PAGE <= 0) {
        return Future.succeededFuture(new Replayed(page.lastId(), sent, false));
      }
      return stream.drained().compose(v -> replay(stream, page.lastId(), budget - REPLAY_PAGE, sent));
    });
  }

  private static void goLive(SseStream stream, String resumeId, long replayed) {
    stream.sendMarker(resumeId, "live", new JsonObject().put("replayed", replayed));
    stream.goLive();
  }
}
