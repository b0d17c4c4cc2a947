package io.emp.worker;

import io.emp.core.LogSafe;
import io.emp.core.model.ClaimedJob;
import io.emp.core.store.BrokerStore;
import io.emp.worker.connector.Connector;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one claimed job on this worker, from the claim to the report:
 * <ol>
 *   <li>the connector starts at once; {@code emp_progress 0 "started"} moves the job to running after
 *       {@code EMP_RUNNING_MARK_MS} unless progress or the outcome came first (its reply says whether a
 *       cancel is pending, which stops the connector);</li>
 *   <li>the connector runs it, with progress through a per-job {@link ProgressThrottle} and an
 *       optional local timeout;</li>
 *   <li>the outcome is reported once: {@code emp_complete}, {@code emp_fail} (retryable or not; the
 *       broker turns it into {@code cancelled} when a cancel was requested) or, at shutdown,
 *       {@code emp_release}. A lost lease ({@code FENCED}, unknown job or worker) aborts the
 *       execution and reports nothing. Transient Redis errors are retried for a while.</li>
 * </ol>
 * Lives on the worker's context; {@link #run()} completes with the outcome name for metrics.
 * Reporting itself is {@link OutcomeReporter}'s job.
 */
final class JobExecution {
  private static final Logger LOG = LoggerFactory.getLogger(JobExecution.class);
  static final long PROGRESS_INTERVAL_MS = 250;

  private final Vertx vertx;
  private final Context context;
  private final BrokerStore store;
  private final String workerId;
  private final ClaimedJob claimed;
  private final Connector connector;
  private final Double timeoutS;
  private final OutcomeReporter reporter;
  private final ProgressThrottle throttle;
  private final JobContext job;
  private final boolean payloadInvalid;
  private Promise<JobOutcome> settled;
  private CancelReason reason;
  private long timeoutTimer = -1;
  private long ackTimer = -1;
  private final long runningMarkMs;
  private long markTimer = -1;
  private Future<Void> runningMark = Future.succeededFuture();

  JobExecution(Context context, BrokerStore store, String workerId, ClaimedJob claimed, Connector connector,
               Double defaultTimeoutS, long reportWindowMs, long runningMarkMs) {
    this.runningMarkMs = runningMarkMs;
    this.vertx = context.owner();
    this.context = context;
    this.store = store;
    this.workerId = workerId;
    this.claimed = claimed;
    this.connector = connector;
    this.timeoutS = claimed.job().timeoutS() != null ? claimed.job().timeoutS() : defaultTimeoutS;
    this.reporter = new OutcomeReporter(context, store, workerId, claimed, reportWindowMs);
    this.throttle = new ProgressThrottle(vertx, PROGRESS_INTERVAL_MS, this::sendProgress);
    JsonObject payload = payload(claimed);
    this.payloadInvalid = payload == null;
    this.job = new JobContext(claimed.id(), service(), payload, claimed.job().attempt(), this::onProgress);
  }

  String id() {
    return claimed.id();
  }

  String token() {
    return claimed.token();
  }

  String service() {
    return claimed.job().service();
  }

  /** Still ours: not aborted because the lease was lost. */
  boolean held() {
    return reason != CancelReason.LOST;
  }

  /**
   * Runs the attempt to its report; completes with completed, failed, cancelled, released or lost.
   * The connector starts at once. The "started" mark (assigned → running) goes out after
   * {@code EMP_RUNNING_MARK_MS} unless the connector reported progress first (which marks it running
   * too) or finished sooner — a short job goes straight to its outcome with one broker call less. The
   * report waits for a mark in flight, so running always precedes the outcome.
   */
  Future<String> run() {
    armRunningMark();
    return execute()
      .compose(outcome -> {
        vertx.cancelTimer(markTimer);
        return runningMark.map(outcome);
      })
      .compose(this::drainProgress)
      .compose(this::report)
      .recover(e -> {
        LOG.error("worker {} job {}: unexpected error, giving the job up: {}", workerId, id(), LogSafe.of(e), e);
        return Future.succeededFuture("lost");
      })
      .andThen(ar -> cancelTimers());
  }

  /**
   * Stops the job at its connector. The first reason wins, except that a lost lease overrides any
   * other (nothing may be reported for a job that is no longer ours).
   */
  void cancel(CancelReason why) {
    if (reason != null && (why != CancelReason.LOST || reason == CancelReason.LOST)) {
      return;
    }
    if (why != CancelReason.LOST && settled != null && settled.future().isComplete()) {
      return; // the connector has finished: report its outcome as it is
    }
    boolean first = reason == null;
    reason = why;
    LOG.info("worker {} job {}: stopping ({})", workerId, id(), why.wire());
    if (first) {
      job.cancel(why.wire());
      armCancelAck();
    }
  }

  private void armRunningMark() {
    if (runningMarkMs <= 0) {
      runningMark = begin();
      return;
    }
    markTimer = vertx.setTimer(runningMarkMs, t -> {
      markTimer = -1;
      if (throttle.sent() == 0 && reason == null) {
        runningMark = begin();
      }
    });
  }

  private Future<Void> begin() {
    throttle.markSent();
    return OnContext.call(context, () -> store.progress(id(), workerId, token(), 0, "started")).transform(ar -> {
      if (ar.succeeded() && ar.result()) {
        cancel(CancelReason.REQUESTED);
      } else if (ar.failed() && OutcomeReporter.lostLease(ar.cause())) {
        LOG.warn("worker {} job {}: lease lost before start ({})", workerId, id(), LogSafe.of(ar.cause().getMessage()));
        cancel(CancelReason.LOST);
      } else if (ar.failed()) {
        LOG.warn("worker {} job {}: could not mark it running, running anyway: {}", workerId, id(), LogSafe.of(ar.cause()));
      }
      return Future.succeededFuture();
    });
  }

  private Future<JobOutcome> execute() {
    if (reason != null) {
      return Future.succeededFuture(JobOutcome.cancelled());
    }
    if (connector == null) {
      return Future.succeededFuture(JobOutcome.failure("worker " + workerId + " has no connector for service " + service(), true));
    }
    if (payloadInvalid) {
      return Future.succeededFuture(JobOutcome.failure("payload is not a JSON object", false));
    }
    settled = Promise.promise();
    armTimeout();
    Future<JobOutcome> running;
    try {
      running = connector.run(job);
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    if (running == null) {
      running = Future.failedFuture(new IllegalStateException("connector returned no future"));
    }
    OnContext.of(context, running).onComplete(ar -> settled.tryComplete(ar.succeeded() && ar.result() != null
      ? ar.result()
      : JobOutcome.failure("connector " + connector.service() + " failed: " + describe(ar.cause()), true)));
    return settled.future().andThen(ar -> vertx.cancelTimer(timeoutTimer));
  }

  private Future<JobOutcome> drainProgress(JobOutcome outcome) {
    if (reason == CancelReason.LOST) {
      throttle.close();
      return Future.succeededFuture(outcome);
    }
    return throttle.flush().transform(ar -> {
      throttle.close();
      return Future.succeededFuture(outcome);
    });
  }

  private Future<String> report(JobOutcome outcome) {
    if (reason == CancelReason.LOST) {
      LOG.info("worker {} job {}: aborted, lease lost; not reporting", workerId, id());
      return Future.succeededFuture("lost");
    }
    return reportOnce(outcome).recover(e -> {
      if (OutcomeReporter.lostLease(e)) {
        LOG.warn("worker {} job {}: {} refused ({}): the lease was lost, result dropped", workerId, id(),
          outcome.succeeded() ? "complete" : "report", LogSafe.of(e.getMessage()));
      } else {
        LOG.error("worker {} job {}: could not report the outcome, the lease will expire: {}", workerId, id(), LogSafe.of(e));
      }
      return Future.succeededFuture("lost");
    });
  }

  /** A success is completed whatever happened meanwhile: the work is done. */
  private Future<String> reportOnce(JobOutcome outcome) {
    if (outcome instanceof JobOutcome.Success s) {
      return reporter.complete(s.result());
    }
    JobOutcome.Failure f = (JobOutcome.Failure) outcome;
    if (reason == CancelReason.SHUTDOWN) {
      return reporter.release("shutdown");
    }
    if (reason == CancelReason.TIMEOUT) {
      return reporter.fail("timed out after " + timeoutS + " s (local timeout on " + workerId + ")", true, "timeout", null);
    }
    return reporter.fail(f.message(), f.retryable(), null, f.retryAfterMs());
  }

  private void onProgress(double percent, String message) {
    if (Vertx.currentContext() == context) {
      throttle.update(percent, message);
    } else {
      context.runOnContext(v -> throttle.update(percent, message));
    }
  }

  private Future<?> sendProgress(double percent, String message) {
    return OnContext.call(context, () -> store.progress(id(), workerId, token(), percent, message)).andThen(ar -> {
      if (ar.succeeded() && ar.result()) {
        cancel(CancelReason.REQUESTED);
      } else if (ar.failed() && OutcomeReporter.lostLease(ar.cause())) {
        cancel(CancelReason.LOST);
      }
    });
  }

  private void armTimeout() {
    if (timeoutS != null) {
      timeoutTimer = vertx.setTimer(Math.max(1, Math.round(timeoutS * 1000)), t -> {
        timeoutTimer = -1;
        cancel(CancelReason.TIMEOUT);
      });
    }
  }

  /** A connector that ignores the cancel does not hold the slot for ever. */
  private void armCancelAck() {
    if (settled == null) {
      return;
    }
    ackTimer = vertx.setTimer(WorkerConfig.CANCEL_ACK_MS, t -> {
      ackTimer = -1;
      if (settled.tryComplete(JobOutcome.cancelled())) {
        LOG.warn("worker {} job {}: connector did not stop within {} ms; freeing the slot", workerId, id(),
          WorkerConfig.CANCEL_ACK_MS);
      }
    });
  }

  private void cancelTimers() {
    vertx.cancelTimer(markTimer);
    vertx.cancelTimer(timeoutTimer);
    vertx.cancelTimer(ackTimer);
    throttle.close();
  }

  private static JsonObject payload(ClaimedJob c) {
    String text = c.payload();
    if (text.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  private static String describe(Throwable e) {
    return e == null ? "no result" : e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
