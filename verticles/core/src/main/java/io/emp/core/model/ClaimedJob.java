package io.emp.core.model;

/**
 * A job leased to a worker by {@code emp_claim}: every later call about it must present
 * {@link #token()}; the lease runs until {@link #leaseUntil()} unless renewed by a heartbeat.
 */
public record ClaimedJob(String id, String token, long leaseUntil, Job job) {
  public Lease lease() {
    return new Lease(id, job.worker(), token, leaseUntil);
  }

  /** The payload JSON text ("" when the job has none). */
  public String payload() {
    return job.payload() == null ? "" : job.payload();
  }
}
