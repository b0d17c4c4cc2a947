package io.emp.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the simulated connectors did, per job: every execution (a job runs again after its machine
 * was preempted), whether the model was warm and how long the job waited for a download. Written by
 * the connectors of every in-process machine, read by the report.
 */
public final class Executions {
  /** One attempt on one worker; times in simulated milliseconds. */
  public record Execution(String workerId, boolean needsModel, boolean warm, long downloadWaitMs, long startedAt) {
  }

  private final Map<String, List<Execution>> byJob = new ConcurrentHashMap<>();
  private final AtomicInteger downloads = new AtomicInteger();
  private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();

  /** Counts machine-side events (commands executed and their outcomes). */
  public void count(String name) {
    add(name, 1);
  }

  public void add(String name, int n) {
    counters.computeIfAbsent(name, k -> new AtomicInteger()).addAndGet(n);
  }

  /** Every counter, sorted by name. */
  public Map<String, Integer> counters() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  public void record(String jobId, Execution e) {
    byJob.computeIfAbsent(jobId, k -> new ArrayList<>());
    List<Execution> list = byJob.get(jobId);
    synchronized (list) {
      list.add(e);
    }
  }

  public void downloadStarted() {
    downloads.incrementAndGet();
  }

  public int downloads() {
    return downloads.get();
  }

  public List<Execution> of(String jobId) {
    List<Execution> list = byJob.get(jobId);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  /** The execution that ran on {@code workerId} last (the one whose completion the broker accepted). */
  public Execution on(String jobId, String workerId) {
    Execution found = null;
    for (Execution e : of(jobId)) {
      if (e.workerId().equals(workerId)) {
        found = e;
      }
    }
    return found;
  }
}
