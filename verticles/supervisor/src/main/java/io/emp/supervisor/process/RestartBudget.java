package io.emp.supervisor.process;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The restart bookkeeping of one instance: the exponential backoff step and the restarts inside the
 * crash-loop window. Confined to the supervisor's context.
 */
final class RestartBudget {
  /** {@link #afterCrash} when the crash-loop limit is reached. */
  static final long CRASH_LOOP = -1;
  private final RestartSpec spec;
  private final Deque<Long> recent = new ArrayDeque<>();
  private int step;

  RestartBudget(RestartSpec spec) {
    this.spec = spec;
  }

  /**
   * A crash at {@code nowMs} that the policy would restart: the delay before the restart (and the
   * restart is counted), or {@link #CRASH_LOOP} when {@code crash_loop.restarts} restarts already
   * happened within {@code crash_loop.window_s}.
   */
  long afterCrash(long nowMs) {
    while (!recent.isEmpty() && nowMs - recent.peekFirst() > spec.crashLoopWindowMs()) {
      recent.removeFirst();
    }
    if (recent.size() >= spec.crashLoopRestarts()) {
      return CRASH_LOOP;
    }
    recent.addLast(nowMs);
    return spec.delayMs(step++);
  }

  /** Restarts counted in the current window. */
  int recentRestarts() {
    return recent.size();
  }

  /** Ready for long enough: the next crash waits the initial delay again. */
  void stable() {
    step = 0;
  }

  /** An explicit start: a clean slate. */
  void reset() {
    recent.clear();
    step = 0;
  }
}
