package io.emp.supervisor.models;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which models to delete to make room (docs/pools-and-models.md#model-manager-supervisor). A model's
 * value is what evicting it would cost: its forecast demand (jobs per hour, exponential smoothing
 * over the hourly submission counts of {@code emp_models}, every pool together) times its size (the
 * bytes a re-download would cost). The least valuable go first; ties — typically no recorded demand —
 * by last use, least recent first, then the larger first (fewer deletions). Models in use are never
 * candidates: the caller leaves them out. Pure.
 */
final class Eviction {
  private Eviction() {
  }

  /** A model that may be evicted. */
  record Candidate(String name, long bytes, long lastUsed, double forecast) {
    double value() {
      return forecast * bytes;
    }
  }

  static final Comparator<Candidate> LEAST_VALUABLE_FIRST = Comparator.comparingDouble(Candidate::value)
    .thenComparingLong(Candidate::lastUsed)
    .thenComparing(Comparator.comparingLong(Candidate::bytes).reversed())
    .thenComparing(Candidate::name);

  /** The least valuable candidates that free at least {@code needed} bytes, or null when all of them cannot. */
  static List<Candidate> choose(List<Candidate> candidates, long needed) {
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(LEAST_VALUABLE_FIRST);
    List<Candidate> out = new ArrayList<>();
    long freed = 0;
    for (Candidate c : sorted) {
      if (freed >= needed) {
        break;
      }
      out.add(c);
      freed += c.bytes();
    }
    return freed >= needed ? out : null;
  }

  /**
   * Forecast jobs per hour per model from {@code emp_models}' {@code demand} ({@code {epoch hour:
   * {model: n | {pool: n}}}}): {@code level = α·count + (1−α)·level} over the last {@code hours}
   * hours, oldest first, missing hours counting 0; the current hour is scaled to a full hour (at least
   * a tenth of it counted as elapsed). The same smoothing as the router's placement plan.
   */
  static Map<String, Double> forecast(JsonObject demand, long now, int hours, double alpha) {
    long hour = now / 3_600_000L;
    double elapsed = Math.max(0.1, (now % 3_600_000L) / 3_600_000.0);
    Map<String, double[]> counts = new HashMap<>();
    for (long h = hour - hours + 1; h <= hour; h++) {
      JsonObject perModel = demand == null ? null : demand.getJsonObject(String.valueOf(h));
      if (perModel != null) {
        int index = (int) (h - (hour - hours + 1));
        perModel.forEach(e -> counts.computeIfAbsent(e.getKey(), k -> new double[hours])[index] += total(e.getValue()));
      }
    }
    Map<String, Double> out = new HashMap<>();
    counts.forEach((model, series) -> {
      series[hours - 1] /= elapsed;
      double level = series[0];
      for (int i = 1; i < hours; i++) {
        level = alpha * series[i] + (1 - alpha) * level;
      }
      out.put(model, level);
    });
    return out;
  }

  private static double total(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    double sum = 0;
    if (v instanceof JsonObject pools) {
      for (Map.Entry<String, Object> e : pools) {
        sum += e.getValue() instanceof Number n ? n.doubleValue() : 0;
      }
    }
    return sum;
  }
}
