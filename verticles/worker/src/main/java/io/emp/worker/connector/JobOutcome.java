package io.emp.worker.connector;

import io.vertx.core.json.JsonObject;

/**
 * How a job's attempt ended, as decided by its connector. The worker turns a {@link Success} into
 * {@code emp_complete} and a {@link Failure} into {@code emp_fail} (or {@code emp_release} at shutdown).
 */
public sealed interface JobOutcome {

  /** The job's result document, stored as the job's result. */
  record Success(JsonObject result) implements JobOutcome {
    public Success {
      result = result == null ? new JsonObject() : result;
    }
  }

  /**
   * The attempt failed. {@code retryable = false} (bad input, a 4xx) fails the job at once; a
   * retryable failure is retried with backoff while attempts remain — not sooner than
   * {@code retryAfterMs} when the backend said when to come back (HTTP {@code Retry-After}), else null.
   */
  record Failure(String message, boolean retryable, Long retryAfterMs) implements JobOutcome {
    public Failure {
      message = message == null || message.isBlank() ? "unspecified error" : message;
      retryAfterMs = retryAfterMs == null || retryAfterMs <= 0 ? null : retryAfterMs;
    }

    public Failure(String message, boolean retryable) {
      this(message, retryable, null);
    }
  }

  static JobOutcome success(JsonObject result) {
    return new Success(result);
  }

  static JobOutcome failure(String message, boolean retryable) {
    return new Failure(message, retryable);
  }

  /** A retryable failure the backend asked to retry no sooner than {@code retryAfterMs} from now. */
  static JobOutcome retryAfter(String message, long retryAfterMs) {
    return new Failure(message, true, retryAfterMs);
  }

  /** What a connector returns after it stopped because of {@link JobContext#onCancel}. */
  static JobOutcome cancelled() {
    return new Failure("cancelled", true);
  }

  default boolean succeeded() {
    return this instanceof Success;
  }
}
