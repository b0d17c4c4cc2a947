package io.emp.api;

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
    JobSubmission submission;
    try {
      submission = JobSubmission.fromJson(body, maxPayloadBytes);
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

  /** Completes with {@code cancelled} or {@code cancel_requested}. */
  Future<String> cancel(String id) {
    return checked(id).compose(store::cancel).onSuccess(st -> LOG.info("job {} cancel: {}", id, st));
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
