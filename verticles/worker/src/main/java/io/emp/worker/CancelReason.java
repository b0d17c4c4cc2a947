package io.emp.worker;

/**
 * Why the worker stops a job before its connector finished; decides what is reported to the broker.
 */
enum CancelReason {
  /** A client cancelled it (control list, heartbeat or progress reply): report a failure, which the broker records as cancelled. */
  REQUESTED,
  /** The local timeout fired: report a retryable failure. */
  TIMEOUT,
  /** The worker shuts down: release the job to the queue without burning an attempt. */
  SHUTDOWN,
  /** The lease is gone (fenced, reaped, worker unknown): report nothing, another worker may hold the job. */
  LOST;

  String wire() {
    return name().toLowerCase();
  }
}
