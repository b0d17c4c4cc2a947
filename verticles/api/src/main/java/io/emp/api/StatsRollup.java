package io.emp.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /api/stats}: the library's statistics document ({@code emp_stats}) plus the rollups an
 * operator looks at first — current counts, all-time totals, queue depth per service and per pool,
 * the oldest wait and the jobs no live worker can run.
 */
final class StatsRollup {
  /** The pool key of jobs submitted without a pool (any worker of the service may run them). */
  static final String NO_POOL = "*";

  private StatsRollup() {
  }

  static JsonObject of(JsonObject stats) {
    return of(stats, new JsonObject());
  }

  /** With the duration model ({@code emp_durations}) and the north-star figures (docs/pools-and-models.md). */
  static JsonObject of(JsonObject stats, JsonObject durations) {
    JsonObject statuses = object(stats, "statuses");
    JsonObject counters = object(stats, "counters");
    JsonArray queues = array(stats, "queues");
    return new JsonObject()
      .put("now", stats.getLong("now"))
      .put("queued", count(statuses, "queued"))
      .put("delayed", count(statuses, "delayed"))
      .put("running", count(statuses, "assigned") + count(statuses, "running"))
      .put("completed", count(statuses, "completed"))
      .put("failed", count(statuses, "failed"))
      .put("cancelled", count(statuses, "cancelled"))
      .put("oldest_waiting_ms", stats.getLong("oldest_queued_ms", 0L))
      .put("unrunnable_jobs", stats.getLong("unrunnable_jobs", 0L))
      .put("totals", totals(counters))
      .put("services", rollup(queues, "service"))
      .put("pools", rollup(queues, "pool"))
      .put("queues", queues)
      .put("statuses", statuses)
      .put("counters", counters)
      .put("workers", object(stats, "workers"))
      .put("north_star", northStar(object(stats, "pools"), counters))
      .put("durations", durations);
  }

  /**
   * Per pool: wait and run quantiles, workers, utilisation and the share of its jobs that ran in
   * their own pool; overall: own-pool share of pooled jobs and warm-model share of model jobs.
   */
  private static JsonObject northStar(JsonObject pools, JsonObject counters) {
    JsonObject per = new JsonObject();
    long own = 0;
    long fallback = 0;
    for (String name : pools.fieldNames()) {
      JsonObject p = pools.getJsonObject(name);
      JsonObject wait = p.getJsonObject("wait", new JsonObject());
      JsonObject run = p.getJsonObject("run", new JsonObject());
      long o = p.getLong("routed_own", 0L);
      long f = p.getLong("routed_fallback", 0L);
      if (!name.equals("none")) {
        own += o;
        fallback += f;
      }
      long online = p.getLong("workers_online", 0L);
      long busy = p.getLong("workers_busy", 0L);
      per.put(name, new JsonObject()
        .put("wait_p50_ms", wait.getLong("p50_ms"))
        .put("wait_p95_ms", wait.getLong("p95_ms"))
        .put("run_p50_ms", run.getLong("p50_ms"))
        .put("run_p95_ms", run.getLong("p95_ms"))
        .put("workers_online", online)
        .put("workers_busy", busy)
        .put("utilisation", online == 0 ? null : (double) busy / online)
        .put("routed_own", o)
        .put("routed_fallback", f)
        .put("own_pool_share", o + f == 0 ? null : (double) o / (o + f)));
    }
    long warm = counters.getLong("models_warm", 0L);
    long cold = counters.getLong("models_cold", 0L);
    return new JsonObject()
      .put("pools", per)
      .put("own_pool_share", own + fallback == 0 ? null : (double) own / (own + fallback))
      .put("models_warm_share", warm + cold == 0 ? null : (double) warm / (warm + cold))
      .put("models_warm", warm)
      .put("models_cold", cold);
  }

  private static JsonObject totals(JsonObject counters) {
    JsonObject t = new JsonObject();
    for (String kind : List.of("submitted", "completed", "failed", "cancelled")) {
      t.put(kind, count(counters, kind));
    }
    return t;
  }

  /** Per service (or pool): {@code depth}, {@code unrunnable} jobs and the oldest queue head's age. */
  private static JsonObject rollup(JsonArray queues, String by) {
    Map<String, JsonObject> out = new TreeMap<>();
    for (Object o : queues) {
      JsonObject q = (JsonObject) o;
      String key = q.getString(by, "");
      JsonObject r = out.computeIfAbsent(key.isEmpty() && by.equals("pool") ? NO_POOL : key,
        k -> new JsonObject().put("depth", 0L).put("unrunnable", 0L).put("head_age_ms", 0L));
      long depth = q.getLong("depth", 0L);
      r.put("depth", r.getLong("depth") + depth);
      if (!q.getBoolean("runnable", false)) {
        r.put("unrunnable", r.getLong("unrunnable") + depth);
      }
      r.put("head_age_ms", Math.max(r.getLong("head_age_ms"), q.getLong("head_age_ms", 0L)));
    }
    JsonObject result = new JsonObject();
    out.forEach((k, v) -> result.put(k, v));
    return result;
  }

  private static long count(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof Number n ? n.longValue() : 0;
  }

  /** The library encodes an empty table as {@code {}}, so an empty list may arrive as an object. */
  private static JsonArray array(JsonObject o, String key) {
    return o.getValue(key) instanceof JsonArray a ? a : new JsonArray();
  }

  private static JsonObject object(JsonObject o, String key) {
    return o.getValue(key) instanceof JsonObject j ? j : new JsonObject();
  }
}
