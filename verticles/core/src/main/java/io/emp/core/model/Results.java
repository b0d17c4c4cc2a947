package io.emp.core.model;

import java.util.List;

/** Small value results of the broker functions (see docs/redis-functions.md). */
public final class Results {
  private Results() {
  }

  /** {@code emp_submit}: the job id, its status, and whether an idempotency key matched an earlier job. */
  public record Submitted(String id, JobStatus status, boolean duplicate) {
  }

  /** {@code emp_register_worker}: registration time and jobs of a previous incarnation requeued. */
  public record Registered(long registeredAt, int released) {
  }

  /**
   * {@code emp_heartbeat}: jobs whose cancel was requested, listed jobs no longer held (abort them),
   * and the new lease deadline.
   */
  public record Heartbeat(List<String> cancelRequested, List<LostJob> lost, long leaseUntil) {
  }

  /** A job the worker reported as running but no longer holds with that token. */
  public record LostJob(String id, String token) {
  }

  /** {@code emp_fail}: the job's new status and, when retried, when it becomes due. */
  public record Failed(JobStatus status, Long dueAt) {
  }

  /**
   * {@code emp_reap}: what happened to expired leases, plus promoted delayed jobs; {@code extended}:
   * leases given one more lease because the whole fleet had been silent (a Redis outage).
   */
  public record Reaped(int requeued, int poisoned, int cancelled, int timedOut, int promoted, int extended) {
    public int total() {
      return requeued + poisoned + cancelled + timedOut;
    }
  }

  /** {@code emp_prune}: entries removed by retention. */
  public record Pruned(int indexEntries, int signatures, int workers) {
  }

  /** {@code emp_list_jobs}: one page, newest first, and the cursor of the next page (null at the end). */
  public record JobPage(List<Job> jobs, String nextCursor) {
  }
}
