package io.emp.supervisor.process;

/**
 * What happens when an instance exits without being asked to: {@code always} restart, restart
 * {@code on-failure} (non-zero exit) or {@code never}. Restarts wait {@code backoffInitialMs},
 * doubling up to {@code backoffMaxMs}; the delay falls back to the initial value once the instance
 * stayed ready for {@code resetAfterMs}. A crash that would be the {@code crashLoopRestarts + 1}-th
 * restart within {@code crashLoopWindowMs} puts the instance in {@code crashloop}: no more automatic
 * restarts until an explicit start or restart.
 */
public record RestartSpec(
  Policy policy,
  long backoffInitialMs,
  long backoffMaxMs,
  int crashLoopRestarts,
  long crashLoopWindowMs,
  long resetAfterMs) {

  public static final long DEFAULT_BACKOFF_INITIAL_MS = 1_000;
  public static final long DEFAULT_BACKOFF_MAX_MS = 60_000;
  public static final int DEFAULT_CRASH_LOOP_RESTARTS = 5;
  public static final long DEFAULT_CRASH_LOOP_WINDOW_MS = 60_000;
  public static final long DEFAULT_RESET_AFTER_MS = 30_000;
  public static final RestartSpec DEFAULT = new RestartSpec(Policy.ALWAYS, DEFAULT_BACKOFF_INITIAL_MS,
    DEFAULT_BACKOFF_MAX_MS, DEFAULT_CRASH_LOOP_RESTARTS, DEFAULT_CRASH_LOOP_WINDOW_MS, DEFAULT_RESET_AFTER_MS);

  public enum Policy {
    ALWAYS("always"), ON_FAILURE("on-failure"), NEVER("never");

    private final String wire;

    Policy(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    /** Whether an exit with this code is followed by a restart. */
    public boolean restarts(int exitCode) {
      return this == ALWAYS || this == ON_FAILURE && exitCode != 0;
    }
  }

  /** The delay before the restart after {@code step} consecutive ones: initial · 2^step, capped. */
  public long delayMs(int step) {
    long d = backoffInitialMs;
    for (int i = 0; i < step && d < backoffMaxMs; i++) {
      d *= 2;
    }
    return Math.min(d, backoffMaxMs);
  }
}
