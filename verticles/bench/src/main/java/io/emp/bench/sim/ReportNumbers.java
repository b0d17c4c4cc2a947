package io.emp.bench.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The figures of a run, computed from {@link RunData} alone (times in simulated milliseconds):
 *
 * <ul>
 *   <li><b>submitted</b>: jobs the api accepted (201); <b>completed / failed / cancelled</b>: their
 *       final status; <b>lost</b>: submitted and in none of those at the end (broken down by the
 *       status they were left in);</li>
 *   <li><b>duplicated</b>: jobs with more than one {@code job.completed} in the event stream, or
 *       more than one completion acknowledged to the client over SSE;</li>
 *   <li><b>wait</b>: first {@code job.assigned} minus {@code job.submitted}, per pool (the job
 *       class's optimal pool) and per class, nearest-rank percentiles;</li>
 *   <li><b>optimal routing share</b>: completed jobs whose machine belongs to their optimal pool;</li>
 *   <li><b>model-warm share</b>: completed jobs needing a model whose completing execution found it
 *       on disk; <b>download wait</b>: how long the others waited for it.</li>
 * </ul>
 */
public final class ReportNumbers {
  private ReportNumbers() {
  }

  /** Nearest-rank percentile of sorted values (p in (0, 100]); 0 for an empty list. */
  public static long percentile(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  static JsonObject stats(List<Long> values) {
    List<Long> v = new ArrayList<>(values);
    Collections.sort(v);
    double mean = v.stream().mapToLong(Long::longValue).average().orElse(0);
    return new JsonObject().put("count", v.size()).put("p50", percentile(v, 50)).put("p95", percentile(v, 95))
      .put("p99", percentile(v, 99)).put("max", v.isEmpty() ? 0 : v.get(v.size() - 1)).put("mean", Math.round(mean));
  }

  static long waitMs(RunData d, RunData.JobTrace t) {
    return Math.round((t.firstAssignedTs - t.submittedTs) * d.scale());
  }

  static String status(RunData.JobTrace t) {
    if (t.finalStatus != null) {
      return t.finalStatus;
    }
    return t.completedEvents > 0 ? "completed" : t.failedEvents > 0 ? "failed" : t.cancelledEvents > 0 ? "cancelled"
      : "unknown";
  }

  public static JsonObject compute(RunData d, long bucketMs) {
    List<RunData.JobTrace> jobs = d.jobs().stream().filter(t -> t.acceptedAt >= 0).toList();
    JsonObject out = new JsonObject();
    out.put("totals", totals(d, jobs));
    out.put("wait_by_pool", waitsBy(d, jobs, t -> t.optimalPool == null ? "-" : t.optimalPool));
    out.put("wait_by_class", waitsBy(d, jobs, t -> t.jobClass));
    out.put("routing", routing(d, jobs));
    out.put("models", models(jobs));
    JsonObject counters = new JsonObject();
    d.counters().forEach(counters::put);
    out.put("counters", counters);
    List<Long> lag = d.submitLagMs();
    out.put("submit_lag", stats(lag));
    out.put("series", series(d, jobs, bucketMs));
    out.put("jobs_of_note", ofNote(d, jobs));
    return out;
  }

  private static JsonObject totals(RunData d, List<RunData.JobTrace> jobs) {
    int completed = 0;
    int failed = 0;
    int cancelled = 0;
    int dupEvents = 0;
    int dupAcks = 0;
    int duplicated = 0;
    int acksMissing = 0;
    int leaseLosses = 0;
    int released = 0;
    int retries = 0;
    int reExecuted = 0;
    Map<String, Integer> unfinished = new TreeMap<>();
    for (RunData.JobTrace t : jobs) {
      String st = status(t);
      switch (st) {
        case "completed" -> completed++;
        case "failed" -> failed++;
        case "cancelled" -> cancelled++;
        default -> unfinished.merge(st, 1, Integer::sum);
      }
      if (t.completedEvents > 1) {
        dupEvents++;
      }
      if (t.clientCompletions > 1) {
        dupAcks++;
      }
      if (t.completedEvents > 1 || t.clientCompletions > 1) {
        duplicated++;
      }
      if ("completed".equals(st) && t.clientCompletions == 0) {
        acksMissing++;
      }
      leaseLosses += t.lostRequeues;
      released += t.released;
      retries += t.retries;
      if (t.executions > 1) {
        reExecuted++;
      }
    }
    int submitted = jobs.size();
    JsonObject u = new JsonObject();
    unfinished.forEach(u::put);
    return new JsonObject().put("submitted", submitted).put("completed", completed).put("failed", failed)
      .put("cancelled", cancelled).put("lost", submitted - completed - failed - cancelled).put("unfinished_by_status", u)
      .put("duplicated", duplicated).put("duplicate_completion_events", dupEvents).put("duplicate_client_acks", dupAcks)
      .put("client_acks_missing", acksMissing).put("rejected_submissions", d.rejectedSubmissions())
      .put("lease_losses", leaseLosses).put("released_on_drain", released).put("retries", retries)
      .put("re_executed", reExecuted)
      .put("completed_share", submitted == 0 ? 0.0 : completed / (double) submitted);
  }

  /** Up to 100 jobs that were lost, duplicated, failed or ran more than once, with what happened to them. */
  private static JsonArray ofNote(RunData d, List<RunData.JobTrace> jobs) {
    JsonArray out = new JsonArray();
    for (RunData.JobTrace t : jobs) {
      String st = status(t);
      boolean note = !"completed".equals(st) || t.completedEvents > 1 || t.clientCompletions > 1 || t.executions > 1
        || t.lostRequeues > 0;
      if (note && out.size() < 100) {
        out.add(new JsonObject().put("id", t.id).put("class", t.jobClass).put("status", st)
          .put("executions", t.executions).put("assigned", t.assigned).put("lease_losses", t.lostRequeues)
          .put("released", t.released).put("retries", t.retries).put("completed_events", t.completedEvents)
          .put("client_completions", t.clientCompletions).put("worker", t.completedWorker)
          .put("submitted_at", t.submittedTs < 0 ? null : Long.valueOf(d.sim(t.submittedTs)))
          .put("finished_at", finishedAt(d, t)));
      }
    }
    return out;
  }

  private static Long finishedAt(RunData d, RunData.JobTrace t) {
    if (t.completedTs >= 0) {
      return d.sim(t.completedTs);
    }
    return t.failedTs >= 0 ? Long.valueOf(d.sim(t.failedTs)) : null;
  }

  private static JsonObject waitsBy(RunData d, List<RunData.JobTrace> jobs, Function<RunData.JobTrace, String> key) {
    Map<String, List<Long>> by = new TreeMap<>();
    for (RunData.JobTrace t : jobs) {
      if (t.submittedTs >= 0 && t.firstAssignedTs >= 0) {
        by.computeIfAbsent(key.apply(t), k -> new ArrayList<>()).add(waitMs(d, t));
      }
    }
    JsonObject out = new JsonObject();
    by.forEach((k, v) -> out.put(k, stats(v)));
    List<Long> all = new ArrayList<>();
    by.values().forEach(all::addAll);
    out.put("all", stats(all));
    return out;
  }

  private static JsonObject routing(RunData d, List<RunData.JobTrace> jobs) {
    int known = 0;
    int optimal = 0;
    Map<String, JsonObject> matrix = new TreeMap<>();
    for (RunData.JobTrace t : jobs) {
      if (t.completedWorker == null || t.optimalPool == null) {
        continue;
      }
      String ran = d.poolOfWorker(t.completedWorker);
      known++;
      if (t.optimalPool.equals(ran)) {
        optimal++;
      }
      JsonObject row = matrix.computeIfAbsent(t.optimalPool, k -> new JsonObject());
      String col = ran == null ? "-" : ran;
      row.put(col, row.getInteger(col, 0) + 1);
    }
    JsonObject m = new JsonObject();
    matrix.forEach(m::put);
    return new JsonObject().put("completed_with_pool", known).put("on_optimal_pool", optimal)
      .put("optimal_share", known == 0 ? 0.0 : optimal / (double) known).put("optimal_pool_to_machine_pool", m);
  }

  private static JsonObject models(List<RunData.JobTrace> jobs) {
    int withModel = 0;
    int warm = 0;
    List<Long> waits = new ArrayList<>();
    long total = 0;
    JsonObject byClass = new JsonObject();
    for (RunData.JobTrace t : jobs) {
      if (t.model == null || t.completedWorker == null || t.warm == null) {
        continue;
      }
      withModel++;
      JsonObject c = byClass.getJsonObject(t.jobClass);
      if (c == null) {
        c = new JsonObject().put("jobs", 0).put("warm", 0).put("download_wait_total", 0L);
        byClass.put(t.jobClass, c);
      }
      c.put("jobs", c.getInteger("jobs") + 1);
      if (t.warm) {
        warm++;
        c.put("warm", c.getInteger("warm") + 1);
      } else {
        waits.add(t.downloadWaitMs);
        total += t.downloadWaitMs;
        c.put("download_wait_total", c.getLong("download_wait_total") + t.downloadWaitMs);
      }
    }
    return new JsonObject().put("completed_with_model", withModel).put("warm", warm)
      .put("warm_share", withModel == 0 ? 0.0 : warm / (double) withModel).put("cold", withModel - warm)
      .put("download_wait", stats(waits))
      .put("download_wait_mean_over_model_jobs", withModel == 0 ? 0 : Math.round(total / (double) withModel))
      .put("download_wait_total", total)
      .put("by_class", byClass);
  }

  private static JsonObject series(RunData d, List<RunData.JobTrace> jobs, long bucketMs) {
    TreeMap<Long, Map<String, List<Long>>> waits = new TreeMap<>();
    TreeMap<Long, Integer> completions = new TreeMap<>();
    TreeMap<Long, Integer> failures = new TreeMap<>();
    for (RunData.JobTrace t : jobs) {
      if (t.submittedTs >= 0 && t.firstAssignedTs >= 0) {
        long b = Math.max(0, d.sim(t.firstAssignedTs)) / bucketMs;
        waits.computeIfAbsent(b, k -> new TreeMap<>())
          .computeIfAbsent(t.optimalPool == null ? "-" : t.optimalPool, k -> new ArrayList<>()).add(waitMs(d, t));
      }
      if (t.completedTs >= 0) {
        completions.merge(Math.max(0, d.sim(t.completedTs)) / bucketMs, 1, Integer::sum);
      }
      if (t.failedTs >= 0) {
        failures.merge(Math.max(0, d.sim(t.failedTs)) / bucketMs, 1, Integer::sum);
      }
    }
    JsonArray w = new JsonArray();
    waits.forEach((b, byPool) -> {
      JsonObject pools = new JsonObject();
      byPool.forEach((p, v) -> {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        pools.put(p, new JsonObject().put("p50", percentile(s, 50)).put("p95", percentile(s, 95)).put("n", s.size()));
      });
      w.add(new JsonObject().put("at", b * bucketMs).put("pools", pools));
    });
    JsonArray c = new JsonArray();
    completions.forEach((b, n) -> c.add(new JsonObject().put("at", b * bucketMs).put("n", n)));
    JsonArray f = new JsonArray();
    failures.forEach((b, n) -> f.add(new JsonObject().put("at", b * bucketMs).put("n", n)));
    JsonArray samples = new JsonArray();
    for (RunData.Sample s : d.samples()) {
      samples.add(new JsonObject().put("at", s.at()).put("queued", s.queued()).put("delayed", s.delayed())
        .put("held", s.held()).put("alive", s.machinesAlive()).put("busy", s.machinesBusy()));
    }
    JsonArray machines = new JsonArray();
    for (RunData.MachineEvent e : d.machineEvents()) {
      machines.add(new JsonObject().put("at", e.at()).put("action", e.action()).put("machine", e.machine())
        .put("group", e.group()));
    }
    return new JsonObject().put("bucket_ms", bucketMs).put("wait", w).put("completions", c).put("failures", f)
      .put("samples", samples).put("machine_events", machines);
  }
}
