package io.emp.worker;

import io.emp.core.LogSafe;
import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobStatus;
import io.emp.core.store.BrokerError;
import io.emp.core.store.BrokerException;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports one attempt's outcome to the broker, fenced by its token: {@code emp_complete},
 * {@code emp_fail} or {@code emp_release}. Transient Redis errors are retried with backoff within
 * {@code windowMs} (two minutes; the heartbeat keeps the lease meanwhile); a broker refusal (fenced,
 * unknown job) is final. Each method
 * completes with the outcome name used by the metrics, or fails when the report did not land.
 */
final class OutcomeReporter {
  private static final Logger LOG = LoggerFactory.getLogger(OutcomeReporter.class);

  private final Vertx vertx;
  private final Context context;
  private final BrokerStore store;
  private final String workerId;
  private final ClaimedJob job;
  private final long windowMs;

  OutcomeReporter(Context context, BrokerStore store, String workerId, ClaimedJob job, long windowMs) {
    this.vertx = context.owner();
    this.context = context;
    this.store = store;
    this.workerId = workerId;
    this.job = job;
    this.windowMs = windowMs;
  }

  /** A lost lease: the job was taken away (fenced), is gone, or the broker forgot this worker. */
  static boolean lostLease(Throwable e) {
    return BrokerException.is(e, BrokerError.FENCED) || BrokerException.is(e, BrokerError.NOT_FOUND)
      || BrokerException.is(e, BrokerError.UNKNOWN_WORKER);
  }

  Future<String> complete(JsonObject result) {
    return reliably(() -> store.complete(job.id(), workerId, job.token(), result.encode())).map(v -> {
      LOG.info("worker {} job {}: completed", workerId, job.id());
      return "completed";
    });
  }

  Future<String> fail(String message, boolean retryable) {
    return fail(message, retryable, null, null);
  }

  /**
   * {@code reason} (e.g. {@code timeout}) is recorded as the job's fail reason if this ends it; a
   * retry waits at least {@code minDelayMs} (the backend's Retry-After) when given.
   */
  Future<String> fail(String message, boolean retryable, String reason, Long minDelayMs) {
    return reliably(() -> store.fail(job.id(), workerId, job.token(), message, retryable, reason, minDelayMs)).map(f -> {
      LOG.info("worker {} job {}: attempt {} failed ({}): {} -> {}", workerId, job.id(), job.job().attempt(),
        retryable ? "retryable" : "not retryable", LogSafe.of(message), f.status().wire());
      return f.status() == JobStatus.CANCELLED ? "cancelled" : "failed";
    });
  }

  Future<String> release(String reason) {
    return reliably(() -> store.release(job.id(), workerId, job.token(), reason)).map(status -> {
      LOG.info("worker {} job {}: released to the queue ({})", workerId, job.id(), status.wire());
      return status == JobStatus.CANCELLED ? "cancelled" : "released";
    });
  }

  private <T> Future<T> reliably(Supplier<Future<T>> op) {
    return attempt(op, System.currentTimeMillis() + windowMs, new Backoff(100, 2_000));
  }

  private <T> Future<T> attempt(Supplier<Future<T>> op, long deadline, Backoff backoff) {
    return OnContext.call(context, op).recover(e -> {
      if (e instanceof BrokerException || refusedAccess(e) || System.currentTimeMillis() > deadline) {
        return Future.failedFuture(e);
      }
      long delay = backoff.nextDelayMs();
      LOG.warn("worker {} job {}: report failed ({}), retrying in {} ms", workerId, job.id(), e.toString(), delay);
      return vertx.timer(delay).compose(v -> attempt(op, deadline, backoff));
    });
  }

  /**
   * Redis refused this worker's credentials or permissions (its ACL user disabled or changed: a machine
   * being retired or preempted): no retry can land, so the report ends at once instead of retrying
   * for the whole window.
   */
  static boolean refusedAccess(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage());
      if (m.startsWith("WRONGPASS") || m.startsWith("NOPERM") || m.startsWith("NOAUTH")) {
        return true;
      }
    }
    return false;
  }
}
