package io.emp.router;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus gauges from the namespace statistics ({@code emp_stats}): queue depth and head age per
 * service and pool, jobs no live worker can run, jobs per status, workers per presence. Tags are
 * services, pools and statuses only — bounded sets, never job or worker ids.
 */
final class QueueGauges {
  private final MultiGauge depth;
  private final MultiGauge headAge;
  private final MultiGauge jobs;
  private final MultiGauge workers;
  private final MultiGauge poolWait;
  private final MultiGauge poolRun;
  private final MultiGauge poolWorkers;
  private final MultiGauge poolUtilisation;
  private final MultiGauge machines;
  private final MultiGauge machinePhases;

  private final MeterRegistry registry;
  /** Cumulative counters kept in Redis, exported as Prometheus counters: name|tags → value. */
  private final Map<String, AtomicLong> cumulative = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong unrunnable = new AtomicLong();
  private final AtomicLong oldest = new AtomicLong();

  QueueGauges(MeterRegistry registry) {
    this.registry = registry;
    poolWait = MultiGauge.builder("emp_pool_wait_seconds")
      .description("Wait from claimable to assigned per job pool, recency-weighted quantiles (docs/pools-and-models.md)")
      .register(registry);
    poolRun = MultiGauge.builder("emp_pool_run_seconds")
      .description("Run time per job pool, recency-weighted quantiles").register(registry);
    poolWorkers = MultiGauge.builder("emp_pool_workers").description("Online and busy workers per worker pool")
      .register(registry);
    poolUtilisation = MultiGauge.builder("emp_pool_utilisation_ratio")
      .description("Busy share of the online workers per pool").register(registry);
    machines = MultiGauge.builder("emp_machines").description("Machines per presence status").register(registry);
    machinePhases = MultiGauge.builder("emp_machines_phase").description("Machines per supervisor phase").register(registry);

    depth = MultiGauge.builder("emp_queue_depth").description("Queued jobs per service and pool").register(registry);
    headAge = MultiGauge.builder("emp_queue_head_age_seconds")
      .description("How long the next job of each service and pool has been waiting").register(registry);
    jobs = MultiGauge.builder("emp_jobs").description("Jobs per status (finished ones within retention)").register(registry);
    workers = MultiGauge.builder("emp_workers").description("Workers per presence status").register(registry);
    Gauge.builder("emp_jobs_unrunnable", unrunnable, AtomicLong::get)
      .description("Queued jobs that no live worker can run").register(registry);
    Gauge.builder("emp_queue_oldest_age_seconds", oldest, a -> a.get() / 1000.0)
      .description("Age of the oldest queued job").register(registry);
  }

  void update(JsonObject stats) {
    Map<List<String>, double[]> perQueue = new HashMap<>();
    for (Object o : stats.getJsonArray("queues", new io.vertx.core.json.JsonArray())) {
      JsonObject q = (JsonObject) o;
      double[] v = perQueue.computeIfAbsent(List.of(q.getString("service", ""), q.getString("pool", "")), k -> new double[2]);
      v[0] += q.getLong("depth", 0L);
      v[1] = Math.max(v[1], q.getLong("head_age_ms", 0L) / 1000.0);
    }
    List<MultiGauge.Row<?>> depthRows = new ArrayList<>();
    List<MultiGauge.Row<?>> ageRows = new ArrayList<>();
    perQueue.forEach((k, v) -> {
      Tags tags = Tags.of("service", k.get(0), "pool", k.get(1).isEmpty() ? "none" : k.get(1));
      depthRows.add(MultiGauge.Row.of(tags, v[0]));
      ageRows.add(MultiGauge.Row.of(tags, v[1]));
    });
    depth.register(depthRows, true);
    headAge.register(ageRows, true);
    jobs.register(rows(stats.getJsonObject("statuses", new JsonObject()), "status"), true);
    JsonObject census = stats.getJsonObject("workers", new JsonObject());
    List<MultiGauge.Row<?>> presence = new ArrayList<>();
    for (String status : List.of("online", "stale", "left")) {
      presence.add(MultiGauge.Row.of(Tags.of("status", status), census.getLong(status, 0L)));
    }
    workers.register(presence, true);
    updatePools(stats.getJsonObject("pools", new JsonObject()));
    updateMachines(stats.getJsonObject("machines", new JsonObject()));
    JsonObject counters = stats.getJsonObject("counters", new JsonObject());
    counters.forEach(e -> {
      String name = e.getKey();
      if (name.startsWith("routed_own:") || name.startsWith("routed_fallback:")) {
        String route = name.startsWith("routed_own:") ? "own" : "fallback";
        counter("emp_jobs_routed_total", "Jobs assigned per job pool, to their own pool or by fallback",
          Tags.of("pool", name.substring(name.indexOf(':') + 1), "route", route), e.getValue());
      } else if (name.matches("(submitted|claimed|completed|failed|cancelled):.*\\|.*")) {
        String kind = name.substring(0, name.indexOf(':'));
        String rest = name.substring(name.indexOf(':') + 1);
        int bar = rest.lastIndexOf('|');
        counter("emp_jobs_" + kind + "_total", "Jobs " + kind + " per service and pool (cumulative, kept in Redis)",
          Tags.of("service", rest.substring(0, bar), "pool", rest.substring(bar + 1)), e.getValue());
      } else if (LIFECYCLE.contains(name)) {
        counter("emp_job_incidents_total", "Lease and attempt incidents: lost (lease expired, job rescued), released,"
          + " fenced (a late completion refused), retried, poisoned, timeouts", Tags.of("incident", name), e.getValue());
      } else if (name.equals("models_warm") || name.equals("models_cold")) {
        counter("emp_jobs_models_total", "Jobs needing models assigned to a worker that had them (warm) or not (cold)",
          Tags.of("warmth", name.substring("models_".length())), e.getValue());
      }
    });
    unrunnable.set(stats.getLong("unrunnable_jobs", 0L));
    oldest.set(stats.getLong("oldest_queued_ms", 0L));
  }

  private static final java.util.Set<String> LIFECYCLE =
    java.util.Set.of("lost", "released", "fenced", "retried", "poisoned", "timeouts");
  /** Bucket bounds of the Redis histograms (docs/metrics.md), in ms as the library writes them. */
  private static final long[] LE_MS = {50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000,
    600000, 1800000, 3600000};

  private void updateMachines(JsonObject m) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (String status : List.of("online", "stale", "offline", "stopped")) {
      rows.add(MultiGauge.Row.of(Tags.of("status", status), m.getLong(status, 0L)));
    }
    machines.register(rows, true);
    machinePhases.register(rows(m.getJsonObject("phases", new JsonObject()), "phase"), true);
  }

  /** The last pools document, rendered as native histograms at scrape time. */
  private volatile JsonObject lastPools = new JsonObject();

  /**
   * {@code emp_job_wait_seconds} and {@code emp_job_run_seconds} as Prometheus histograms, per pool:
   * cumulative buckets from the per-bucket counts the function library keeps in Redis.
   */
  String histograms() {
    JsonObject pools = lastPools;
    if (pools.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    histogramFamily(b, "emp_job_wait_seconds", "Job waits from claimable to assigned, per job pool (counted in Redis)",
      "wait_hist", pools);
    histogramFamily(b, "emp_job_run_seconds", "Job run times from started to completed, per job pool (counted in Redis)",
      "run_hist", pools);
    return b.toString();
  }

  private static void histogramFamily(StringBuilder b, String name, String help, String field, JsonObject pools) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" histogram\n");
    for (String pool : new java.util.TreeSet<>(pools.fieldNames())) {
      JsonObject h = pools.getJsonObject(pool).getJsonObject(field, new JsonObject());
      String label = "pool=\"" + pool.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      long cumulative = 0;
      for (long le : LE_MS) {
        cumulative += h.getLong(String.valueOf(le), 0L);
        b.append(name).append("_bucket{").append(label).append(",le=\"").append(le / 1000.0).append("\"} ")
          .append(cumulative).append('\n');
      }
      cumulative += h.getLong("inf", 0L);
      b.append(name).append("_bucket{").append(label).append(",le=\"+Inf\"} ").append(cumulative).append('\n');
      b.append(name).append("_count{").append(label).append("} ").append(cumulative).append('\n');
      b.append(name).append("_sum{").append(label).append("} ").append(h.getDouble("sum", 0.0)).append('\n');
    }
  }

  private void updatePools(JsonObject pools) {
    lastPools = pools;
    List<MultiGauge.Row<?>> wait = new ArrayList<>();
    List<MultiGauge.Row<?>> run = new ArrayList<>();
    List<MultiGauge.Row<?>> counts = new ArrayList<>();
    List<MultiGauge.Row<?>> util = new ArrayList<>();
    pools.forEach(e -> {
      JsonObject p = (JsonObject) e.getValue();
      String pool = e.getKey();
      quantiles(wait, pool, p.getJsonObject("wait", new JsonObject()));
      quantiles(run, pool, p.getJsonObject("run", new JsonObject()));
      long online = p.getLong("workers_online", 0L);
      long busy = p.getLong("workers_busy", 0L);
      counts.add(MultiGauge.Row.of(Tags.of("pool", pool, "state", "online"), online));
      counts.add(MultiGauge.Row.of(Tags.of("pool", pool, "state", "busy"), busy));
      if (online > 0) {
        util.add(MultiGauge.Row.of(Tags.of("pool", pool), (double) busy / online));
      }
    });
    poolWait.register(wait, true);
    poolRun.register(run, true);
    poolWorkers.register(counts, true);
    poolUtilisation.register(util, true);
  }

  private static void quantiles(List<MultiGauge.Row<?>> rows, String pool, JsonObject summary) {
    for (String q : List.of("p50", "p95")) {
      Long ms = summary.getLong(q + "_ms");
      if (ms != null) {
        rows.add(MultiGauge.Row.of(Tags.of("pool", pool, "stat", q), ms / 1000.0)); // not "quantile": not a summary
      }
    }
  }

  /** A counter whose value lives in Redis (monotonic there): registered on first sight, then read. */
  private void counter(String name, String description, Tags tags, Object value) {
    if (!(value instanceof Number n)) {
      return;
    }
    String key = name + tags;
    AtomicLong holder = cumulative.computeIfAbsent(key, k -> {
      AtomicLong a = new AtomicLong();
      io.micrometer.core.instrument.FunctionCounter.builder(name, a, AtomicLong::get).tags(tags).description(description)
        .register(registry);
      return a;
    });
    holder.set(n.longValue());
  }

  private static List<MultiGauge.Row<?>> rows(JsonObject counts, String tag) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach(e -> {
      if (e.getValue() instanceof Number n) {
        rows.add(MultiGauge.Row.of(Tags.of(tag, e.getKey()), n.doubleValue()));
      }
    });
    return rows;
  }
}
