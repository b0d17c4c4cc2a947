package io.emp.supervisor.models;

/**
 * The bandwidth cap shared by every download of the machine: a token bucket refilled at
 * {@code rate} bytes per second holding at most half a second of tokens. A reader takes what it
 * has just read and gets back how long to pause; the bucket may go into debt (a 64 KiB chunk on a
 * slow cap), which the pause repays. Rate 0 = no cap. Not thread-safe: used on one context.
 */
final class TokenBucket {
  private final long rate;
  private final double capacity;
  private double tokens;
  private long lastNanos;

  TokenBucket(long bytesPerSecond) {
    this.rate = bytesPerSecond;
    this.capacity = bytesPerSecond / 2.0;
    this.tokens = capacity;
    this.lastNanos = System.nanoTime();
  }

  boolean limited() {
    return rate > 0;
  }

  /** Takes {@code bytes}; returns the pause in ms before reading more (0 = go on). */
  long take(long bytes) {
    return take(bytes, System.nanoTime());
  }

  long take(long bytes, long nowNanos) {
    if (rate <= 0) {
      return 0;
    }
    tokens = Math.min(capacity, tokens + (nowNanos - lastNanos) / 1e9 * rate);
    lastNanos = nowNanos;
    tokens -= bytes;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1000.0 / rate);
  }
}
