package io.emp.api;

import io.emp.core.auth.Principal;
import io.emp.core.auth.Scope;
import io.emp.core.model.Job;
import io.emp.core.model.JobSubmission;
import io.emp.core.model.Results.JobPage;
import io.emp.core.model.Results.Submitted;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job operations clients may perform, shared by the HTTP routes and the client WebSocket:
 * validation happens here, before anything reaches Redis, and every failure is an exception that
 * {@link ErrorMapper} understands.
 */
final class Jobs {
  private static final Logger LOG = LoggerFactory.getLogger(Jobs.class);
  /** Job ids are ULIDs (26 characters of Crockford base32); anything else cannot exist. */

  private final BrokerStore store;
  private final long maxPayloadBytes;
  private final ApiMetrics metrics;

  Jobs(BrokerStore store, long maxPayloadBytes, ApiMetrics metrics) {
    this.store = store;
    this.maxPayloadBytes = maxPayloadBytes;
    this.metrics = metrics;
  }

  /** Validates and submits; a repeated idempotency key completes with the first job (duplicate=true). */
  Future<Submitted> submit(JsonObject body) {
    return submit(body, Principal.ADMIN);
  }

  /**
   * As {@link #submit(JsonObject)}, recording the caller on the job; a token bound to a customer submits
   * for that customer only (its jobs get the customer when the body names none).
   */
  Future<Submitted> submit(JsonObject body, Principal who) {
    JobSubmission submission;
    try {
      JobSubmission parsed = JobSubmission.fromJson(body, maxPayloadBytes);
      if (who.customer() != null && !who.can(Scope.ADMIN) && parsed.customerId() != null
        && !parsed.customerId().equals(who.customer())) {
        throw new ApiError(403, "FORBIDDEN", "customer_id", "this token submits for customer " + who.customer() + " only");
      }
      submission = parsed.by(who.name(), who.can(Scope.ADMIN) ? null : who.customer());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return store.submit(submission).onSuccess(s -> {
      if (s.duplicate()) {
        LOG.debug("job {} resubmitted with idempotency key, status {}", s.id(), s.status().wire());
      } else {
        metrics.submitted(submission.service());
        LOG.debug("job {} submitted for {}: {}", s.id(), submission.service(), s.status().wire());
      }
    });
  }

  Future<Job> get(String id) {
    return checked(id).compose(store::getJob);
  }

  /** A job the caller may see: another customer's job is "unknown" to a submit-only token (no leak). */
  Future<Job> get(String id, Principal who) {
    return get(id).map(job -> {
      if (!who.owns(job.customerId())) {
        throw ApiError.unknownJob(id);
      }
      return job;
    });
  }

  /** A job the caller may see and the newest event id when it was read (the start of its event history here). */
  Future<io.emp.core.store.BrokerStore.JobSnapshot> snapshot(String id, Principal who) {
    return checked(id).compose(store::getJobSnapshot).map(snap -> {
      if (!who.owns(snap.job().customerId())) {
        throw ApiError.unknownJob(id);
      }
      return snap;
    });
  }

  /** Completes with {@code cancelled} or {@code cancel_requested}. */
  Future<String> cancel(String id) {
    return checked(id).compose(store::cancel).onSuccess(st -> LOG.info("job {} cancel: {}", id, st));
  }

  /** Cancel by {@code who}: any job with {@code operate}, its own customer's with {@code submit}. */
  Future<String> cancel(String id, Principal who) {
    if (who.can(Scope.OPERATE)) {
      return cancel(id).onSuccess(st -> LOG.info("job {} cancelled by {}", id, who.name()));
    }
    if (!who.can(Scope.SUBMIT)) {
      return Future.failedFuture(new ApiError(403, "FORBIDDEN", "token", "cancel needs the operate or submit scope"));
    }
    return get(id).compose(job -> {
      if (who.customer() == null || !who.customer().equals(job.customerId())) {
        return Future.failedFuture(ApiError.unknownJob(id));
      }
      return cancel(id);
    });
  }

  Future<Void> retry(String id) {
    return checked(id).compose(store::retry).onSuccess(v -> LOG.info("job {} retried: queued", id));
  }

  /**
   * Why the job waits: every live worker, whether it can run the job now and otherwise the first
   * requirement it misses ({@code emp_explain}). Unknown or malformed ids fail as {@link #get} does.
   */
  Future<JsonObject> explain(String id) {
    return checked(id).compose(store::explain);
  }

  Future<JobPage> list(ListQuery q) {
    return store.listJobs(q.status(), q.cursor(), q.limit(), q.service());
  }

  /** A submit-only token lists its customer's jobs only. */
  Future<JobPage> list(ListQuery q, Principal who) {
    return store.listJobs(q.status(), q.cursor(), q.limit(), q.service(), who.restricted() ? who.customer() : null);
  }

  /** The wire form of a submit reply: {@code {"id", "status"}}. */
  static JsonObject submitted(Submitted s) {
    return new JsonObject().put("id", s.id()).put("status", s.status().wire());
  }

  static boolean isJobId(String id) {
    return io.emp.core.Ulid.isValid(id);
  }

  private static Future<String> checked(String id) {
    return isJobId(id) ? Future.succeededFuture(id) : Future.failedFuture(ApiError.unknownJob(id));
  }
}
