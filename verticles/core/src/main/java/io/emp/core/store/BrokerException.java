package io.emp.core.store;

/**
 * An expected refusal from the function library (unknown job, stale token, illegal transition,
 * invalid input). {@link #field()} names the offending field or subject. Nothing was written.
 */
public final class BrokerException extends RuntimeException {
  private final BrokerError error;
  private final String field;
  private final long retryAfterMs;

  public BrokerException(BrokerError error, String field, String message) {
    this(error, field, message, 0);
  }

  public BrokerException(BrokerError error, String field, String message, long retryAfterMs) {
    super(message, null, false, false);
    this.error = error;
    this.field = field;
    this.retryAfterMs = retryAfterMs;
  }

  /** For {@link BrokerError#RATE_LIMITED}: when trying again can succeed (0 = not stated). */
  public long retryAfterMs() {
    return retryAfterMs;
  }

  public BrokerError error() {
    return error;
  }

  public String field() {
    return field;
  }

  public static boolean is(Throwable t, BrokerError error) {
    return t instanceof BrokerException b && b.error == error;
  }
}
