package io.emp.worker;

import io.emp.core.model.ClaimedJob;
import io.emp.core.store.BrokerError;
import io.emp.core.store.BrokerException;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims jobs for the free slots, one claim call at a time. {@link #trigger()} is pulled by every
 * reason to look for work — start, a wake-up, the poll timeout, a freed slot — and calls coalesce.
 * The call asks for as many jobs as there are free slots and, when it gets fewer, marks the worker
 * idle in the same call, so the next submit wakes it through its wake list instead of polling.
 * Redis errors back off (capped) and retry; {@code UNKNOWN_WORKER} asks the worker to re-register.
 */
final class ClaimLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimLoop.class);

  private final Vertx vertx;
  private final Context context;
  private final BrokerStore store;
  private final String workerId;
  private final JobRunner runner;
  private final Runnable onUnknownWorker;
  private final Backoff backoff = new Backoff(100, 5_000);
  private final WorkerMetrics metrics = WorkerMetrics.INSTANCE;
  private boolean quiet;
  private boolean inFlight;
  private boolean again;
  private long retryTimer = -1;
  private Promise<Void> quieted;

  ClaimLoop(Context context, BrokerStore store, String workerId, JobRunner runner, Runnable onUnknownWorker) {
    this.vertx = context.owner();
    this.context = context;
    this.store = store;
    this.workerId = workerId;
    this.runner = runner;
    this.onUnknownWorker = onUnknownWorker;
  }

  /** Claims now if a slot is free; while a claim is in flight, claims once more after it. */
  void trigger() {
    if (quiet) {
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    int free = runner.freeSlots();
    if (free == 0) {
      return;
    }
    inFlight = true;
    again = false;
    OnContext.call(context, () -> store.claim(workerId, free, true))
      .onComplete(ar -> {
        inFlight = false;
        if (ar.succeeded()) {
          claimed(ar.result());
        } else {
          failed(ar.cause());
        }
        if (quieted != null) {
          leaveIdle();
        } else if (again) {
          trigger();
        }
      });
  }

  /**
   * Stops claiming for good (first phase of shutdown) and takes the worker out of the idle sets, so
   * new jobs wake another worker. Completes when the worker is no longer marked idle.
   */
  Future<Void> quiet() {
    if (quieted == null) {
      quiet = true;
      vertx.cancelTimer(retryTimer);
      quieted = Promise.promise();
      if (!inFlight) {
        leaveIdle();
      }
    }
    return quieted.future();
  }

  private void claimed(List<ClaimedJob> jobs) {
    backoff.reset();
    metrics.claimed(jobs.isEmpty() ? "empty" : "jobs");
    jobs.forEach(runner::start); // even when quiet: a claimed job is run or released, never dropped
  }

  private void failed(Throwable e) {
    metrics.claimed("error");
    if (BrokerException.is(e, BrokerError.UNKNOWN_WORKER)) {
      onUnknownWorker.run();
      return;
    }
    if (quiet || retryTimer >= 0) {
      return;
    }
    long delay = backoff.nextDelayMs();
    LOG.warn("worker {}: claim failed ({}), retrying in {} ms", workerId, e.toString(), delay);
    retryTimer = vertx.setTimer(delay, t -> {
      retryTimer = -1;
      trigger();
    });
  }

  /** A claim of 0 jobs without waiting only clears the worker's idle marks. */
  private void leaveIdle() {
    OnContext.call(context, () -> store.claim(workerId, 0, false))
      .onComplete(ar -> {
        if (ar.failed()) {
          LOG.debug("worker {}: could not leave the idle sets: {}", workerId, ar.cause().toString());
        }
        quieted.tryComplete();
      });
  }
}
