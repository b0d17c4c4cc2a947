package io.emp.router;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One round of predictive model placement (docs/pools-and-models.md#placement-router), as a pure
 * function of the {@code emp_models} document: forecast each (model, pool)'s demand for the next hour
 * by exponential smoothing of the hourly submission counts, want enough copies of every hot model on
 * live machines of the pool its jobs run in, and evict cold models from machines short of disk.
 */
final class PlacementPlan {
  /** A command to issue, with the reason shown in the {@code machine.placement} event. */
  record Decision(String machine, String action, String model, String pool, double forecast, String reason) {
    String key() {
      return machine + "|" + action + "|" + model;
    }
  }

  private PlacementPlan() {
  }

  /**
   * @param doc      the {@code emp_models} document ({@code now}, {@code catalog}, {@code machines}, {@code demand})
   * @param recent   command keys ({@link Decision#key()}) issued within the cooldown: not repeated
   */
  static List<Decision> compute(JsonObject doc, RouterConfig.PlacementConfig cfg, Set<String> recent) {
    long now = doc.getLong("now", System.currentTimeMillis());
    Map<String, Map<String, Double>> forecast = forecast(doc.getJsonObject("demand", new JsonObject()), now, cfg);
    JsonObject catalog = doc.getJsonObject("catalog", new JsonObject());
    List<Machine> machines = machines(doc.getJsonObject("machines", new JsonObject()));
    List<Decision> out = new ArrayList<>();

    // prefetches: hottest (model, pool) first
    List<Map.Entry<String, Double>> hot = new ArrayList<>();
    forecast.forEach((model, pools) -> pools.forEach((pool, f) -> {
      if (f >= cfg.minDemand() && f > 0) {
        hot.add(Map.entry(model + "|" + pool, f));
      }
    }));
    hot.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    for (Map.Entry<String, Double> h : hot) {
      String model = h.getKey().substring(0, h.getKey().lastIndexOf('|'));
      String pool = h.getKey().substring(h.getKey().lastIndexOf('|') + 1);
      List<Machine> live = machines.stream().filter(m -> m.online && (pool.equals("none") || pool.equals(m.pool))).toList();
      if (live.isEmpty()) {
        continue;
      }
      int want = (int) Math.min(live.size(), Math.max(1, Math.ceil(h.getValue() / cfg.jobsPerCopy())));
      // a prefetch issued within the cooldown is a copy on its way
      long have = live.stream().filter(m -> m.has(model) || recent.contains(m.id + "|prefetch|" + model)).count();
      long size = catalog.getLong(model, 0L);
      List<Machine> candidates = new ArrayList<>(live.stream()
        .filter(m -> !m.has(model))
        .filter(m -> !recent.contains(m.id + "|prefetch|" + model))
        .filter(m -> m.budget <= 0 || size <= 0 || m.budget >= size)
        .toList());
      candidates.sort(Comparator.comparingLong(Machine::free).reversed().thenComparing(m -> m.id));
      for (int i = 0; i < want - have && i < candidates.size(); i++) {
        Machine m = candidates.get(i);
        m.downloading.add(model);
        out.add(new Decision(m.id, "prefetch", model, pool, h.getValue(), String.format(
          "forecast %.1f jobs/h in pool %s wants %d cop%s, %d present", h.getValue(), pool, want,
          want == 1 ? "y" : "ies", have)));
      }
    }

    // evictions: cold models on machines above the disk-use threshold, coldest and biggest first
    for (Machine m : machines) {
      if (!m.online || m.budget <= 0 || m.used <= cfg.evictAbove() * m.budget) {
        continue;
      }
      List<JsonObject> cold = new ArrayList<>();
      for (JsonObject model : m.models) {
        String name = model.getString("name");
        double total = forecast.getOrDefault(name, Map.of()).values().stream().mapToDouble(Double::doubleValue).sum();
        boolean inUse = model.getInteger("in_use", 0) > 0 || model.getBoolean("loaded", false);
        if (total < cfg.minDemand() && !inUse && !recent.contains(m.id + "|evict|" + name)) {
          cold.add(model.copy().put("_forecast", total));
        }
      }
      cold.sort(Comparator.<JsonObject>comparingDouble(o -> o.getDouble("_forecast"))
        .thenComparing(o -> -o.getLong("bytes", 0L)));
      long used = m.used;
      for (JsonObject model : cold) {
        if (used <= cfg.evictAbove() * m.budget) {
          break;
        }
        used -= model.getLong("bytes", 0L);
        out.add(new Decision(m.id, "evict", model.getString("name"), m.pool, model.getDouble("_forecast"),
          String.format("cold (forecast %.2f jobs/h) on a machine at %d%% of its disk budget",
            model.getDouble("_forecast"), Math.round(100.0 * m.used / m.budget))));
      }
    }
    return out.size() <= cfg.maxCommands() ? out : new ArrayList<>(out.subList(0, cfg.maxCommands()));
  }

  /**
   * model → pool → forecast jobs/hour: {@code level = α·count + (1−α)·level} over the hourly counts,
   * oldest first, missing hours counting 0; the current, partial hour is scaled to a full hour (at
   * least a tenth of it is assumed elapsed).
   */
  static Map<String, Map<String, Double>> forecast(JsonObject demand, long now, RouterConfig.PlacementConfig cfg) {
    long hour = now / 3_600_000L;
    double elapsed = Math.max(0.1, (now % 3_600_000L) / 3_600_000.0);
    Set<String> keys = new HashSet<>();
    demand.forEach(h -> ((JsonObject) h.getValue()).forEach(m -> ((JsonObject) m.getValue())
      .fieldNames().forEach(p -> keys.add(m.getKey() + "|" + p))));
    Map<String, Map<String, Double>> out = new HashMap<>();
    for (String key : keys) {
      String model = key.substring(0, key.lastIndexOf('|'));
      String pool = key.substring(key.lastIndexOf('|') + 1);
      Double level = null;
      for (long h = hour - cfg.hours() + 1; h <= hour; h++) {
        JsonObject perModel = demand.getJsonObject(String.valueOf(h), new JsonObject()).getJsonObject(model, new JsonObject());
        double count = perModel.getDouble(pool, 0.0);
        if (h == hour) {
          count = count / elapsed;
        }
        level = level == null ? count : cfg.alpha() * count + (1 - cfg.alpha()) * level;
      }
      out.computeIfAbsent(model, k -> new HashMap<>()).put(pool, level == null ? 0 : level);
    }
    return out;
  }

  private static List<Machine> machines(JsonObject all) {
    List<Machine> out = new ArrayList<>();
    all.forEach(e -> {
      JsonObject m = (JsonObject) e.getValue();
      JsonObject inv = m.getJsonObject("inventory", new JsonObject());
      List<JsonObject> models = new ArrayList<>();
      if (inv.getValue("models") instanceof JsonArray list) {
        list.forEach(o -> models.add((JsonObject) o));
      }
      Set<String> downloading = new HashSet<>();
      if (inv.getValue("downloads") instanceof JsonArray list) {
        list.forEach(o -> downloading.add(((JsonObject) o).getString("name")));
      }
      JsonObject disk = inv.getJsonObject("disk", new JsonObject());
      out.add(new Machine(e.getKey(), m.getString("pool", ""), "online".equals(m.getString("status")), models, downloading,
        disk.getLong("budget_bytes", 0L), disk.getLong("used_bytes", 0L)));
    });
    out.sort(Comparator.comparing(m -> m.id));
    return out;
  }

  private static final class Machine {
    final String id;
    final String pool;
    final boolean online;
    final List<JsonObject> models;
    final Set<String> downloading;
    final long budget;
    final long used;

    Machine(String id, String pool, boolean online, List<JsonObject> models, Set<String> downloading, long budget,
            long used) {
      this.id = id;
      this.pool = pool;
      this.online = online;
      this.models = models;
      this.downloading = downloading;
      this.budget = budget;
      this.used = used;
    }

    boolean has(String model) {
      return downloading.contains(model) || models.stream().anyMatch(m -> model.equals(m.getString("name")));
    }

    long free() {
      return budget <= 0 ? Long.MAX_VALUE / 2 : budget - used;
    }
  }
}
