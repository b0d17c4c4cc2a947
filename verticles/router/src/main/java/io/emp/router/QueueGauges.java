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
  private final AtomicLong unrunnable = new AtomicLong();
  private final AtomicLong oldest = new AtomicLong();

  QueueGauges(MeterRegistry registry) {
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
    workers.register(rows(stats.getJsonObject("workers", new JsonObject()), "status"), true);
    unrunnable.set(stats.getLong("unrunnable_jobs", 0L));
    oldest.set(stats.getLong("oldest_queued_ms", 0L));
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
