package io.emp.worker.connector;

import io.emp.core.LogSafe;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connector sees of one claimed job: its id, payload and attempt, a progress callback and the
 * cancellation state. The worker creates it per attempt and cancels it when the job's cancel is
 * requested, its local timeout fires, its lease is lost or the worker shuts down.
 *
 * <p>Thread-safe: a connector may report progress or register hooks from any thread.
 */
public final class JobContext {
  private static final Logger LOG = LoggerFactory.getLogger(JobContext.class);

  /** Receives progress reports; the worker's implementation throttles them per job. */
  @FunctionalInterface
  public interface ProgressSink {
    void progress(double percent, String message);
  }

  private final String jobId;
  private final String service;
  private final JsonObject payload;
  private final int attempt;
  private final ProgressSink sink;
  private final List<Runnable> hooks = new ArrayList<>();
  private String cancelReason;

  public JobContext(String jobId, String service, JsonObject payload, int attempt, ProgressSink sink) {
    this.jobId = jobId;
    this.service = service;
    this.payload = payload == null ? new JsonObject() : payload;
    this.attempt = attempt;
    this.sink = sink;
  }

  public String jobId() {
    return jobId;
  }

  /** The service the job asked for (a connector may serve several, e.g. per-GPU names). */
  public String service() {
    return service;
  }

  /** The job's payload as submitted. */
  public JsonObject payload() {
    return payload;
  }

  /** 1 for the first attempt; retries count up. */
  public int attempt() {
    return attempt;
  }

  /**
   * Reports progress: {@code percent} in 0–100 (clamped, never going backwards) and an optional
   * message. Cheap to call often; the worker sends at most a few updates per second, always the
   * last one and 100 %.
   */
  public void progress(double percent, String message) {
    sink.progress(percent, message);
  }

  public synchronized boolean isCancelled() {
    return cancelReason != null;
  }

  /** Why the job was cancelled ({@code requested}, {@code timeout}, {@code lost}, {@code shutdown}), or null. */
  public synchronized String cancelReason() {
    return cancelReason;
  }

  /**
   * Runs {@code hook} when the job is cancelled — at once when it already is. A connector stops its
   * backend work here and completes its {@link Connector#run} future, typically with
   * {@link JobOutcome#cancelled()}.
   */
  public void onCancel(Runnable hook) {
    synchronized (this) {
      if (cancelReason == null) {
        hooks.add(hook);
        return;
      }
    }
    runHook(hook);
  }

  /**
   * Cancels the job (called by the worker; tests may call it). Only the first call runs the hooks.
   *
   * @return true when this call cancelled the job
   */
  public boolean cancel(String reason) {
    List<Runnable> toRun;
    synchronized (this) {
      if (cancelReason != null) {
        return false;
      }
      cancelReason = reason == null ? "cancelled" : reason;
      toRun = List.copyOf(hooks);
      hooks.clear();
    }
    toRun.forEach(this::runHook);
    return true;
  }

  private void runHook(Runnable hook) {
    try {
      hook.run();
    } catch (RuntimeException e) {
      LOG.warn("job {}: cancel hook failed: {}", jobId, LogSafe.of(e), e);
    }
  }
}
