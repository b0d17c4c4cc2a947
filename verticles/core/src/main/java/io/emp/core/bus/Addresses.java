package io.emp.core.bus;

/**
 * Event-bus addresses. Everything a browser may see starts {@code emp.events.}; the monitor's
 * request addresses start {@code emp.monitor.}. Events from the Redis tailer are delivered locally
 * only: every process tails Redis itself, so a clustered bus never duplicates them.
 */
public final class Addresses {
  public static final String EVENTS_JOBS = "emp.events.jobs";
  public static final String EVENTS_WORKERS = "emp.events.workers";
  public static final String EVENTS_MACHINES = "emp.events.machines";
  public static final String EVENTS_STATS = "emp.events.stats";
  /** Per-job events, for SSE streams and WebSocket subscriptions: {@code emp.events.job.<id>}. */
  public static final String EVENTS_JOB_PREFIX = "emp.events.job.";
  public static final String MONITOR_SNAPSHOT = "emp.monitor.snapshot";
  public static final String MONITOR_COMMAND = "emp.monitor.command";

  private Addresses() {
  }

  public static String job(String jobId) {
    return EVENTS_JOB_PREFIX + jobId;
  }
}
