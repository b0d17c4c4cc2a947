package io.emp.worker;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * Coalesces one job's progress reports: at most one send per {@code minIntervalMs} (250 ms = 4 per
 * second), one send at a time (so updates arrive in order), the newest value winning while waiting.
 * A 100 % update goes out without waiting for the interval, and a report that arrives during the
 * interval is sent when it ends, so the last update is never lost. Percentages are clamped to 0–100
 * and never go backwards.
 *
 * <p>One instance per job, created and used on the worker's context (the original worker had one
 * global throttle and dropped the progress of parallel jobs).
 */
final class ProgressThrottle {
  /** Sends one update; the future completes when the broker answered. */
  @FunctionalInterface
  interface Sender {
    Future<?> send(double percent, String message);
  }

  private record Update(double percent, String message) {
  }

  private final Vertx vertx;
  private final long minIntervalMs;
  private final Sender sender;
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private double floor;
  private Update pending;
  private boolean urgent;
  private boolean inFlight;
  private long lastSentAt = Long.MIN_VALUE / 2;
  private long timerId = -1;
  private boolean closed;
  private int sent;

  ProgressThrottle(Vertx vertx, long minIntervalMs, Sender sender) {
    this.vertx = vertx;
    this.minIntervalMs = minIntervalMs;
    this.sender = sender;
  }

  /** Offers an update; it is sent now, later, or replaced by a newer one before it goes out. */
  void update(double percent, String message) {
    if (closed || Double.isNaN(percent)) {
      return;
    }
    floor = Math.max(floor, Math.min(100, Math.max(0, percent)));
    pending = new Update(floor, message);
    urgent |= floor >= 100;
    pump();
  }

  /** Counts an update sent outside the throttle (the worker's "started") against the interval. */
  void markSent() {
    lastSentAt = nowMs();
  }

  /** Sends a waiting update at once; completes when nothing is waiting or in flight. */
  Future<Void> flush() {
    urgent = pending != null;
    pump();
    if (!inFlight && pending == null) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    idleWaiters.add(p);
    return p.future();
  }

  /** Drops a waiting update (the job is over or lost). An update in flight still completes. */
  void close() {
    closed = true;
    pending = null;
    cancelTimer();
    notifyIdle();
  }

  /** Updates handed to the sender so far. */
  int sent() {
    return sent;
  }

  private void pump() {
    if (inFlight || pending == null || closed) {
      notifyIdle();
      return;
    }
    long wait = urgent ? 0 : lastSentAt + minIntervalMs - nowMs();
    if (wait > 0) {
      if (timerId < 0) {
        timerId = vertx.setTimer(wait, t -> {
          timerId = -1;
          pump();
        });
      }
      return;
    }
    cancelTimer();
    Update u = pending;
    pending = null;
    urgent = false;
    inFlight = true;
    lastSentAt = nowMs();
    sent++;
    sender.send(u.percent(), u.message()).onComplete(ar -> {
      inFlight = false;
      pump();
    });
  }

  private void notifyIdle() {
    if (!inFlight && (pending == null || closed) && !idleWaiters.isEmpty()) {
      List<Promise<Void>> waiters = List.copyOf(idleWaiters);
      idleWaiters.clear();
      waiters.forEach(Promise::tryComplete);
    }
  }

  private void cancelTimer() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }
}
