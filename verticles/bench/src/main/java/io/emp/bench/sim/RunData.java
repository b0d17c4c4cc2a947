package io.emp.bench.sim;

import io.emp.core.events.BrokerEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one run observed: per job (from the submitting client, the broker's event stream, the
 * client's SSE acknowledgements, the connectors and the final state), the sampled broker gauges and
 * the machine events. The report is computed from this alone ({@link ReportNumbers}), so it can be
 * tested with known inputs. Broker times are Redis epoch milliseconds; {@link #sim(long)} maps them
 * to simulated milliseconds since the run started.
 */
public final class RunData {
  /** One job. Fields are filled as the run observes them; {@code -1} = not seen. */
  public static final class JobTrace {
    public final String id;
    public String jobClass;
    public String pool;
    public String optimalPool;
    public String model;
    public long plannedAt = -1;
    public long acceptedAt = -1;
    public long submittedTs = -1;
    public long firstAssignedTs = -1;
    public int assigned;
    public int lostRequeues;
    public int released;
    public int retries;
    public int completedEvents;
    public long completedTs = -1;
    public String completedWorker;
    public int failedEvents;
    public long failedTs = -1;
    public int cancelledEvents;
    public int clientCompletions;
    public int clientFailures;
    public boolean clientDone;
    public String finalStatus;
    public int executions;
    public Boolean warm;
    public long downloadWaitMs;

    public JobTrace(String id) {
      this.id = id;
    }

    public boolean finished() {
      return completedEvents > 0 || failedEvents > 0 || cancelledEvents > 0;
    }
  }

  /** Broker gauges and fleet size at simulated time {@code at}. */
  public record Sample(long at, long queued, long delayed, long held, int machinesAlive, int machinesBusy) {
  }

  /** A machine joined, drained or was preempted at simulated time {@code at}. */
  public record MachineEvent(long at, String action, String machine, String group) {
  }

  private final Map<String, JobTrace> jobs = new LinkedHashMap<>();
  private final List<Sample> samples = new ArrayList<>();
  private final List<MachineEvent> machineEvents = new ArrayList<>();
  private final Map<String, String> machinePools = new LinkedHashMap<>();
  private final double scale;
  private long startEpochMs;
  private int rejectedSubmissions;
  private final List<Long> submitLagMs = new ArrayList<>();
  private final Map<String, Integer> counters = new java.util.TreeMap<>();

  /** Adds to a named counter (assignments by route and model warmth, the machines' command outcomes). */
  public synchronized void count(String name, int n) {
    counters.merge(name, n, Integer::sum);
  }

  public synchronized Map<String, Integer> counters() {
    return new java.util.TreeMap<>(counters);
  }

  public RunData(double scale) {
    this.scale = scale;
  }

  public double scale() {
    return scale;
  }

  public synchronized void start(long epochMs) {
    startEpochMs = epochMs;
  }

  public synchronized long startEpochMs() {
    return startEpochMs;
  }

  /** Simulated milliseconds since the start for a Redis/epoch timestamp. */
  public long sim(long epochMs) {
    return Math.round((epochMs - startEpochMs) * scale);
  }

  public synchronized JobTrace job(String id) {
    return jobs.computeIfAbsent(id, JobTrace::new);
  }

  public synchronized List<JobTrace> jobs() {
    return List.copyOf(jobs.values());
  }

  /** The client got 201 for a job of {@code cls} planned at {@code plannedAt} (simulated). */
  public synchronized JobTrace accepted(String id, Scenario.JobClass cls, String model, long plannedAt, long acceptedAt) {
    JobTrace t = job(id);
    t.jobClass = cls.name();
    t.pool = cls.pool();
    t.optimalPool = cls.optimalPool();
    t.model = model;
    t.plannedAt = plannedAt;
    t.acceptedAt = acceptedAt;
    submitLagMs.add(Math.max(0, acceptedAt - plannedAt));
    return t;
  }

  public synchronized void rejected() {
    rejectedSubmissions++;
  }

  public synchronized int rejectedSubmissions() {
    return rejectedSubmissions;
  }

  public synchronized List<Long> submitLagMs() {
    return List.copyOf(submitLagMs);
  }

  /** Applies one event of the broker's stream. */
  public synchronized void onEvent(BrokerEvent e) {
    if (!e.isJobEvent()) {
      return;
    }
    JobTrace t = job(e.job());
    long ts = e.timestamp();
    switch (e.type()) {
      case "job.submitted" -> t.submittedTs = ts;
      case "job.assigned" -> {
        String route = e.fields().get("route");
        String warmth = e.fields().get("models");
        if (route != null && !route.isEmpty()) {
          counters.merge("assigned_route:" + route, 1, Integer::sum);
        }
        if (warmth != null && !warmth.isEmpty()) {
          counters.merge("assigned_models:" + warmth, 1, Integer::sum);
        }
        t.assigned++;
        if (t.firstAssignedTs < 0) {
          t.firstAssignedTs = ts;
        }
      }
      case "job.queued" -> {
        String reason = e.fields().get("reason");
        if ("lost".equals(reason) || "orphaned".equals(reason) || "worker_restarted".equals(reason)) {
          t.lostRequeues++;
        } else if (!"promoted".equals(reason) && !"retried".equals(reason)) {
          t.released++; // emp_release: a draining worker gave it back ("shutdown")
        }
      }
      case "job.retry_scheduled" -> t.retries++;
      case "job.completed" -> {
        t.completedEvents++;
        t.completedTs = ts;
        t.completedWorker = e.fields().get("worker");
      }
      case "job.failed" -> {
        t.failedEvents++;
        t.failedTs = ts;
      }
      case "job.cancelled" -> t.cancelledEvents++;
      default -> {
        // progress, running, cancel_requested: not needed by the report
      }
    }
  }

  public synchronized void sample(Sample s) {
    samples.add(s);
  }

  public synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  public synchronized void machineEvent(MachineEvent e, String pool) {
    machineEvents.add(e);
    machinePools.put(e.machine(), pool);
  }

  public synchronized List<MachineEvent> machineEvents() {
    return List.copyOf(machineEvents);
  }

  /** The pool (report label) of the machine a worker id belongs to, null when unknown. */
  public synchronized String poolOfWorker(String workerId) {
    if (workerId == null) {
      return null;
    }
    int i = workerId.lastIndexOf("-worker-");
    return machinePools.get(i < 0 ? workerId : workerId.substring(0, i));
  }
}
