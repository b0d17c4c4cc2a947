package io.emp.worker.connector.comfyui;

import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.http.BackendFailure;

/**
 * A failure ComfyUI reported or caused, already classified: {@code retryable} is the
 * {@link JobOutcome.Failure#retryable()} the job gets. Other throwables (connection refused, timeouts) are
 * classified by {@link BackendFailure}.
 */
final class ComfyUiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean retryable;

  ComfyUiException(String message, boolean retryable) {
    super(message, null, false, false);
    this.retryable = retryable;
  }

  boolean retryable() {
    return retryable;
  }

  /** The job outcome for any failure met while running a prompt. */
  static JobOutcome outcome(Throwable e) {
    if (e instanceof ComfyUiException c) {
      return JobOutcome.failure(c.getMessage(), c.retryable());
    }
    return BackendFailure.fromThrowable("ComfyUI", e);
  }
}
