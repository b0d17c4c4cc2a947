package io.emp.supervisor.process;

/**
 * Where an instance is: {@code pending → starting → ready → stopping → stopped}, with {@code backoff}
 * (exited, waiting to restart), {@code crashloop} (too many restarts in the window: no automatic
 * restart until an explicit start) and {@code failed} (readiness timeout, could not spawn, or a
 * non-zero exit without restart).
 */
public enum ServiceState {
  PENDING, STARTING, READY, STOPPING, STOPPED, BACKOFF, CRASHLOOP, FAILED;

  /** Lower-case name for JSON and logs. */
  public String wire() {
    return name().toLowerCase();
  }

  /** The PM2 {@code jlist} status, for {@code /pm2/list} compatibility. */
  public String pm2() {
    return switch (this) {
      case READY -> "online";
      case STARTING, BACKOFF -> "launching";
      case STOPPING -> "stopping";
      case PENDING, STOPPED -> "stopped";
      case CRASHLOOP, FAILED -> "errored";
    };
  }
}
