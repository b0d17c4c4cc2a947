package io.emp.worker;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter for retrying Redis after an error: 100 ms, 200 ms, … up to
 * {@code maxMs}, each delay randomised by ±20 % so a fleet that lost Redis does not reconnect in step.
 * Not thread-safe: one per loop, used on its verticle's context.
 */
final class Backoff {
  private final long initialMs;
  private final long maxMs;
  private long next;

  Backoff(long initialMs, long maxMs) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.next = initialMs;
  }

  /** The next delay, doubling up to the cap. */
  long nextDelayMs() {
    long d = next;
    next = Math.min(maxMs, next * 2);
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Math.max(1, Math.round(d * jitter));
  }

  /** After a success: start again from the initial delay. */
  void reset() {
    next = initialMs;
  }
}
