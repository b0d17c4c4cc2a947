package io.emp.monitor;

/**
 * A small fixed-size histogram of durations in milliseconds with logarithmic bins (three per
 * doubling, so a reported percentile is within about 12 % of the true value), from 1 ms to about
 * 18 hours; larger values land in the last bin. Mergeable, so history buckets can be combined for
 * long chart windows. Not thread-safe: used on one event loop.
 */
final class LogHistogram {
  static final int BINS = 80;
  private static final double PER_DOUBLING = 3.0;
  private final int[] counts = new int[BINS];
  private long total;

  void record(long ms) {
    counts[bin(ms)]++;
    total++;
  }

  void merge(LogHistogram other) {
    for (int i = 0; i < BINS; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
  }

  long count() {
    return total;
  }

  /** The value at quantile {@code q} (0-1), or null when empty. */
  Long percentile(double q) {
    if (total == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < BINS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return representative(i);
      }
    }
    return representative(BINS - 1);
  }

  static int bin(long ms) {
    if (ms <= 1) {
      return 0;
    }
    int b = 1 + (int) Math.floor(Math.log(ms) / Math.log(2) * PER_DOUBLING);
    return Math.min(BINS - 1, b);
  }

  /** The geometric middle of a bin (bin 0 is 0-1 ms). */
  static long representative(int bin) {
    if (bin == 0) {
      return 1;
    }
    double lo = Math.pow(2, (bin - 1) / PER_DOUBLING);
    double hi = Math.pow(2, bin / PER_DOUBLING);
    return Math.round(Math.sqrt(lo * hi));
  }
}
