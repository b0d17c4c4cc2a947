package io.emp.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A value over simulated time, piecewise: each point sets a new value at {@code at}, reached
 * linearly over {@code ramp} (0 = a step) from the value before it. Before the first point the first
 * value holds. Used for machine counts ({@code machines}) and load factors ({@code factor}).
 *
 * <pre>
 * schedule: [{at: 0, machines: 10}, {at: 6h, machines: 50, ramp: 4h}, {at: 18h, machines: 10, ramp: 4h}]
 * </pre>
 */
public record Schedule(List<Point> points) {
  public record Point(long atMs, double value, long rampMs) {
  }

  public Schedule {
    points = List.copyOf(points);
    if (points.isEmpty()) {
      throw new IllegalArgumentException("a schedule needs at least one point");
    }
  }

  public static Schedule constant(double value) {
    return new Schedule(List.of(new Point(0, value, 0)));
  }

  /** The value at simulated time {@code t}. */
  public double at(long t) {
    double value = points.get(0).value();
    for (Point p : points) {
      if (t < p.atMs()) {
        break;
      }
      if (p.rampMs() > 0 && t < p.atMs() + p.rampMs()) {
        return value + (p.value() - value) * (t - p.atMs()) / (double) p.rampMs();
      }
      value = p.value();
    }
    return value;
  }

  /** The largest value the schedule ever takes. */
  public double max() {
    return points.stream().mapToDouble(Point::value).max().orElse(0);
  }

  static Schedule parse(Spec parent, String key, String valueKey, double min, double max) {
    List<Spec> items = parent.specs(key);
    if (items.isEmpty()) {
      throw new Spec.ScenarioException(parent.at(key), "needs at least one point");
    }
    List<Point> points = new ArrayList<>();
    long last = -1;
    for (Spec s : items) {
      s.only(Set.of("at", valueKey, "ramp"));
      long at = s.durationMs("at", 0);
      if (at < last) {
        throw new Spec.ScenarioException(s.at("at"), "points must be in time order");
      }
      last = at;
      if (!s.has(valueKey)) {
        throw new Spec.ScenarioException(s.at(valueKey), "is required");
      }
      points.add(new Point(at, s.number(valueKey, 0, min, max), s.durationMs("ramp", 0)));
    }
    return new Schedule(points);
  }
}
