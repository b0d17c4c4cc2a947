package io.emp.core.store;

/** Expected failures of the function library: the negative status codes of its replies. */
public enum BrokerError {
  NOT_FOUND(-1),
  UNKNOWN_WORKER(-2),
  FENCED(-3),
  ILLEGAL_STATE(-4),
  INVALID(-5),
  TOO_LARGE(-6),
  /** A rate limit or a per-customer queue cap: retry later ({@link BrokerException#retryAfterMs()}). */
  RATE_LIMITED(-7);

  private final int code;

  BrokerError(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static BrokerError fromCode(int code) {
    for (BrokerError e : values()) {
      if (e.code == code) {
        return e;
      }
    }
    throw new IllegalStateException("unknown broker status code " + code + " (library and client out of step?)");
  }
}
