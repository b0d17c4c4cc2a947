package io.emp.monitor;

import io.emp.core.events.BrokerEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The monitor's chart data (docs/monitor.md#history): a ring of time buckets of {@code stepMs}, each
 * holding what happened in it — submissions, completions, failures and the wait and run time
 * distributions from the job events — and the queue depth per pool and worker counts sampled from
 * {@code emp_stats}. Event counts can be rebuilt from the stream at start; sampled values exist only
 * while the monitor runs and are null before. Used on one event loop.
 */
final class StatsHistory {
  /** Points returned for one window at most; longer windows merge neighbouring buckets. */
  static final int MAX_POINTS = 720;
  private static final int MAX_TRACKED_JOBS = 200_000;

  private final long stepMs;
  private final Bucket[] ring;
  /** job id → when it started (running, else assigned), for run times; bounded, oldest dropped. */
  private final LinkedHashMap<String, Long> started = new LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX_TRACKED_JOBS;
    }
  };

  StatsHistory(long stepMs, long keepSeconds) {
    this.stepMs = stepMs;
    this.ring = new Bucket[(int) Math.max(2, keepSeconds * 1000 / stepMs + 1)];
  }

  long stepMs() {
    return stepMs;
  }

  /** Counts one job event into the bucket of its time. */
  void onEvent(BrokerEvent e) {
    long ts = e.timestamp();
    String job = e.job();
    switch (e.type()) {
      case "job.submitted" -> bucket(ts).submitted++;
      case "job.assigned" -> {
        String wait = e.fields().get("wait_ms");
        if (wait != null) {
          try {
            bucket(ts).waits.record(Long.parseLong(wait));
          } catch (NumberFormatException ignored) {
            // an older library without wait_ms: nothing to record
          }
        }
        if (job != null) {
          started.put(job, ts);
        }
      }
      case "job.running" -> {
        if (job != null) {
          started.put(job, ts);
        }
      }
      case "job.completed" -> {
        Bucket b = bucket(ts);
        b.completed++;
        Long from = job == null ? null : started.remove(job);
        if (from != null) {
          b.runs.record(Math.max(0, ts - from));
        }
      }
      case "job.failed" -> {
        bucket(ts).failed++;
        if (job != null) {
          started.remove(job);
        }
      }
      case "job.cancelled", "job.queued" -> {
        if (job != null) {
          started.remove(job);
        }
      }
      default -> {
        // progress and the rest do not change the charts
      }
    }
  }

  /** Records the queue depth per pool and the worker census of an {@code emp_stats} document. */
  void sample(long ts, JsonObject stats) {
    Bucket b = bucket(ts);
    JsonObject queued = new JsonObject();
    Object queues = stats.getValue("queues");
    if (queues instanceof JsonArray list) {
      for (Object o : list) {
        if (o instanceof JsonObject q) {
          String pool = q.getString("pool", "");
          String key = pool.isEmpty() ? "default" : pool;
          queued.put(key, queued.getLong(key, 0L) + q.getLong("depth", 0L));
        }
      }
    }
    b.queued = queued;
    JsonObject w = stats.getJsonObject("workers", new JsonObject());
    b.workersOnline = w.getInteger("online", 0);
    b.workersBusy = w.getInteger("busy", 0);
    b.slots = w.getInteger("slots", 0);
  }

  /** The point of the bucket holding {@code ts} (possibly still filling). */
  JsonObject pointAt(long ts) {
    long index = Math.floorDiv(ts, stepMs);
    Bucket b = existing(index);
    return (b == null ? new Bucket(index) : b).toJson(stepMs);
  }

  /** Points covering {@code windowSeconds} up to {@code now}, oldest first, at most {@link #MAX_POINTS}. */
  JsonObject window(long now, long windowSeconds) {
    long last = Math.floorDiv(now, stepMs);
    long first = Math.max(last - windowSeconds * 1000 / stepMs + 1, last - ring.length + 1);
    long n = last - first + 1;
    int group = (int) Math.max(1, (n + MAX_POINTS - 1) / MAX_POINTS);
    JsonArray points = new JsonArray();
    for (long start = first; start <= last; start += group) {
      Bucket merged = new Bucket(start);
      for (long i = start; i < start + group && i <= last; i++) {
        Bucket b = existing(i);
        if (b != null) {
          merged.add(b);
        }
      }
      points.add(merged.toJson(stepMs));
    }
    return new JsonObject().put("step_ms", stepMs * group).put("window_s", windowSeconds).put("points", points);
  }

  private Bucket existing(long index) {
    Bucket b = ring[(int) Math.floorMod(index, (long) ring.length)];
    return b != null && b.index == index ? b : null;
  }

  private Bucket bucket(long ts) {
    long index = Math.floorDiv(ts, stepMs);
    int slot = (int) Math.floorMod(index, (long) ring.length);
    Bucket b = ring[slot];
    if (b == null || b.index != index) {
      if (b != null && b.index > index) {
        return new Bucket(index); // older than the ring holds: counted nowhere
      }
      b = new Bucket(index);
      ring[slot] = b;
    }
    return b;
  }

  private static final class Bucket {
    final long index;
    long submitted;
    long completed;
    long failed;
    final LogHistogram waits = new LogHistogram();
    final LogHistogram runs = new LogHistogram();
    JsonObject queued;
    Integer workersOnline;
    Integer workersBusy;
    Integer slots;

    Bucket(long index) {
      this.index = index;
    }

    void add(Bucket o) {
      submitted += o.submitted;
      completed += o.completed;
      failed += o.failed;
      waits.merge(o.waits);
      runs.merge(o.runs);
      if (o.queued != null) { // sampled values: the newest sample of the group
        queued = o.queued;
        workersOnline = o.workersOnline;
        workersBusy = o.workersBusy;
        slots = o.slots;
      }
    }

    JsonObject toJson(long stepMs) {
      return new JsonObject()
        .put("t", index * stepMs)
        .put("submitted", submitted)
        .put("completed", completed)
        .put("failed", failed)
        .put("wait_p50_ms", waits.percentile(0.50))
        .put("wait_p95_ms", waits.percentile(0.95))
        .put("run_p50_ms", runs.percentile(0.50))
        .put("run_p95_ms", runs.percentile(0.95))
        .put("queued", queued)
        .put("workers_online", workersOnline)
        .put("workers_busy", workersBusy)
        .put("slots", slots);
    }
  }
}
