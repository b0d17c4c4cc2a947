package io.emp.worker;

import io.emp.core.model.ClaimedJob;
import io.emp.core.store.BrokerStore;
import io.emp.worker.connector.Connector;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's slots: starts an {@link JobExecution} for every claimed job (a claimed job is never
 * dropped), knows which are running and with which token, and tells the claim loop when a slot frees.
 * An aborted execution keeps its slot until its connector has stopped, so a busy GPU never takes a
 * second job. Used on the worker's context only.
 */
final class JobRunner {
  /**
   * How long an outcome is retried while Redis does not answer. The job stays held meanwhile (its lease
   * is in every heartbeat), so a result finished during a Redis outage is still accepted once Redis is
   * back — the router's outage grace keeps the lease — and a refusal (fenced) ends it at once. It was
   * min(lease, 15 s): a result finished during a 30 s outage was dropped and the job ran again (chaos suite).
   */
  static final long REPORT_WINDOW_MS = 120_000;

  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private final Context context;
  private final BrokerStore store;
  private final String workerId;
  private final WorkerConfig config;
  private final Map<String, Connector> connectors;
  private final Runnable onSlotFreed;
  private final WorkerMetrics metrics = WorkerMetrics.INSTANCE;
  /** Keyed by id and token: a job requeued while its old execution is stopping may come back. */
  private final Map<String, JobExecution> running = new LinkedHashMap<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();

  JobRunner(Context context, BrokerStore store, String workerId, WorkerConfig config,
            Map<String, Connector> connectors, Runnable onSlotFreed) {
    this.context = context;
    this.store = store;
    this.workerId = workerId;
    this.config = config;
    this.connectors = connectors;
    this.onSlotFreed = onSlotFreed;
  }

  int freeSlots() {
    return Math.max(0, config.slots() - running.size());
  }

  int busySlots() {
    return running.size();
  }

  /** Job id → token of the executions still holding their lease, for the heartbeat. */
  Map<String, String> held() {
    Map<String, String> out = new LinkedHashMap<>();
    running.values().stream().filter(JobExecution::held).forEach(e -> out.put(e.id(), e.token()));
    return out;
  }

  void start(ClaimedJob claimed) {
    long begun = System.nanoTime();
    JobExecution exec = new JobExecution(context, store, workerId, claimed, connectors.get(claimed.job().service()),
      config.jobTimeoutS(), REPORT_WINDOW_MS, config.runningMarkMs());
    String key = claimed.id() + "@" + claimed.token();
    running.put(key, exec);
    metrics.jobStarted();
    LOG.info("worker {} job {}: claimed (service {}, attempt {}, token {})", workerId, claimed.id(),
      claimed.job().service(), claimed.job().attempt(), claimed.token());
    exec.run().onComplete(ar -> finished(key, exec, ar.succeeded() ? ar.result() : "lost", begun));
  }

  /** Cancels the held execution(s) of a job; unknown ids are ignored (the job already ended here). */
  void cancel(String jobId, CancelReason reason) {
    for (JobExecution e : List.copyOf(running.values())) {
      if (e.id().equals(jobId) && e.held()) {
        e.cancel(reason);
      }
    }
  }

  /** Aborts the execution holding exactly this lease (a heartbeat reported it lost). */
  /** Aborts the execution of that lease; false when this worker no longer runs it (it just ended). */
  boolean lost(String jobId, String token) {
    JobExecution e = running.get(jobId + "@" + token);
    if (e != null) {
      e.cancel(CancelReason.LOST);
      return true;
    }
    return false;
  }

  void cancelAll(CancelReason reason) {
    List.copyOf(running.values()).forEach(e -> e.cancel(reason));
  }

  /** Completes when no job is running (at once when none is). */
  Future<Void> whenIdle() {
    if (running.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    idleWaiters.add(p);
    return p.future();
  }

  private void finished(String key, JobExecution exec, String outcome, long begun) {
    running.remove(key);
    metrics.jobFinished(exec.service(), outcome, Duration.ofNanos(System.nanoTime() - begun));
    if (running.isEmpty() && !idleWaiters.isEmpty()) {
      List<Promise<Void>> waiters = List.copyOf(idleWaiters);
      idleWaiters.clear();
      waiters.forEach(Promise::tryComplete);
    }
    onSlotFreed.run();
  }
}
