package io.emp.bench.sim;

import java.util.Random;
import java.util.Set;

/**
 * A distribution of non-negative durations in (simulated) milliseconds, optionally clamped to
 * {@code [min, max]}. In a scenario file:
 *
 * <pre>
 * duration: 5s                                                     # constant
 * duration: {dist: constant, value: 5s}
 * duration: {dist: uniform, min: 30s, max: 90s}
 * duration: {dist: exponential, mean: 3h, min: 10m}
 * duration: {dist: lognormal, median: 2s, sigma: 0.5, min: 500ms, max: 10s}
 * </pre>
 */
public sealed interface Distribution {
  Set<String> FIELDS = Set.of("dist", "value", "min", "max", "mean", "median", "sigma");

  /** One draw, in milliseconds, never negative. */
  long sample(Random random);

  /** The median, used to classify a job class into a pool. */
  double median();

  /** The mean (before clamping for exponential and lognormal), used to size loads in reports. */
  double mean();

  record Constant(long valueMs) implements Distribution {
    @Override
    public long sample(Random random) {
      return valueMs;
    }

    @Override
    public double median() {
      return valueMs;
    }

    @Override
    public double mean() {
      return valueMs;
    }
  }

  record Uniform(long minMs, long maxMs) implements Distribution {
    @Override
    public long sample(Random random) {
      return minMs + Math.round(random.nextDouble() * (maxMs - minMs));
    }

    @Override
    public double median() {
      return (minMs + maxMs) / 2.0;
    }

    @Override
    public double mean() {
      return median();
    }
  }

  record Exponential(double meanMs, long minMs, long maxMs) implements Distribution {
    @Override
    public long sample(Random random) {
      return clamp(Math.round(-meanMs * Math.log(1 - random.nextDouble())), minMs, maxMs);
    }

    @Override
    public double median() {
      return Math.min(maxMs, Math.max(minMs, meanMs * Math.log(2)));
    }

    @Override
    public double mean() {
      return meanMs;
    }
  }

  /** exp(N(ln median, sigma²)). */
  record LogNormal(double medianMs, double sigma, long minMs, long maxMs) implements Distribution {
    @Override
    public long sample(Random random) {
      return clamp(Math.round(medianMs * Math.exp(sigma * random.nextGaussian())), minMs, maxMs);
    }

    @Override
    public double median() {
      return Math.min(maxMs, Math.max(minMs, medianMs));
    }

    @Override
    public double mean() {
      return medianMs * Math.exp(sigma * sigma / 2);
    }
  }

  private static long clamp(long v, long min, long max) {
    return Math.max(min, Math.min(max, v));
  }

  /** Parses a distribution (a mapping, or a bare duration meaning a constant). */
  static Distribution parse(Spec parent, String key) {
    Object raw = parent.raw(key);
    if (raw == null) {
      throw new Spec.ScenarioException(parent.at(key), "is required");
    }
    if (!(raw instanceof java.util.Map)) {
      return new Constant(parent.durationMs(key, 0));
    }
    Spec s = parent.child(key).only(FIELDS);
    String dist = s.requiredString("dist");
    long min = s.durationMs("min", 0);
    long max = s.durationMs("max", Long.MAX_VALUE / 4);
    if (max < min) {
      throw new Spec.ScenarioException(s.at("max"), "must not be below min");
    }
    return switch (dist) {
      case "constant" -> new Constant(required(s, "value"));
      case "uniform" -> {
        if (!s.has("min") || !s.has("max")) {
          throw new Spec.ScenarioException(s.at(s.has("min") ? "max" : "min"), "is required for a uniform distribution");
        }
        yield new Uniform(min, max);
      }
      case "exponential" -> new Exponential(positive(s, "mean"), min, max);
      case "lognormal" -> new LogNormal(positive(s, "median"), s.number("sigma", 0.5, 0, 5), min, max);
      default -> throw new Spec.ScenarioException(s.at("dist"), "unknown distribution '" + dist
        + "' (constant, uniform, exponential, lognormal)");
    };
  }

  private static long required(Spec s, String key) {
    if (!s.has(key)) {
      throw new Spec.ScenarioException(s.at(key), "is required");
    }
    return s.durationMs(key, 0);
  }

  private static long positive(Spec s, String key) {
    long v = required(s, key);
    if (v <= 0) {
      throw new Spec.ScenarioException(s.at(key), "must be positive");
    }
    return v;
  }
}
