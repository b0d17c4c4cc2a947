package io.emp.bench.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Simulated time: {@code scale} simulated milliseconds pass per real millisecond, from the moment
 * the clock is started. Also turns the scenario's broker timings into the real settings of the run,
 * with floors below which the real broker would only burn CPU (a 100 ms heartbeat, a lease of three
 * heartbeats, a 100 ms claim poll, a 50 ms reaper, a 1 s stale-worker threshold — the library's
 * minimum): the report states the effective values in simulated time.
 */
public final class FleetClock {
  static final long MIN_HEARTBEAT_MS = 100;
  static final long MIN_CLAIM_POLL_MS = 100;
  static final long MIN_REAP_MS = 50;
  static final long MIN_WORKER_STALE_MS = 1_000;

  private final double scale;
  private volatile long startNanos;

  public FleetClock(double scale) {
    this.scale = scale;
    this.startNanos = System.nanoTime();
  }

  public void start() {
    startNanos = System.nanoTime();
  }

  public double scale() {
    return scale;
  }

  /** Simulated milliseconds since {@link #start()}. */
  public long now() {
    return (long) ((System.nanoTime() - startNanos) / 1e6 * scale);
  }

  /** Real milliseconds for a simulated duration. */
  public long real(long simMs) {
    return Math.round(simMs / scale);
  }

  /** Simulated milliseconds for a real duration. */
  public double sim(double realMs) {
    return realMs * scale;
  }

  /** Real broker settings of a run (milliseconds). */
  public record Timings(long heartbeatMs, long leaseMs, long claimPollMs, long reapIntervalMs, long graceMs,
                        long retryAvoidMs, long backoffBaseMs, long workerStaleMs) {

    public static Timings of(Scenario.Broker b, double scale) {
      long hb = Math.max(MIN_HEARTBEAT_MS, Math.round(b.heartbeatMs() / scale));
      long lease = Math.max(3 * hb, Math.round(b.leaseMs() / scale));
      return new Timings(hb, lease, Math.max(MIN_CLAIM_POLL_MS, Math.round(b.claimPollMs() / scale)),
        Math.max(MIN_REAP_MS, Math.round(b.reapIntervalMs() / scale)), Math.round(b.graceMs() / scale),
        Math.round(b.retryAvoidMs() / scale), Math.round(b.backoffBaseMs() / scale),
        Math.max(MIN_WORKER_STALE_MS, Math.round(15 * hb)));
    }

    /** Every setting as the simulated duration it amounts to, for the report. */
    public Map<String, Long> simulated(double scale) {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("heartbeat", Math.round(heartbeatMs * scale));
      m.put("lease", Math.round(leaseMs * scale));
      m.put("claim poll", Math.round(claimPollMs * scale));
      m.put("reap interval", Math.round(reapIntervalMs * scale));
      m.put("drain grace", Math.round(graceMs * scale));
      m.put("retry avoid", Math.round(retryAvoidMs * scale));
      m.put("backoff base", Math.round(backoffBaseMs * scale));
      m.put("worker stale", Math.round(workerStaleMs * scale));
      return m;
    }

    public Map<String, Long> real() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("heartbeat", heartbeatMs);
      m.put("lease", leaseMs);
      m.put("claim poll", claimPollMs);
      m.put("reap interval", reapIntervalMs);
      m.put("drain grace", graceMs);
      m.put("retry avoid", retryAvoidMs);
      m.put("backoff base", backoffBaseMs);
      m.put("worker stale", workerStaleMs);
      return m;
    }
  }
}
