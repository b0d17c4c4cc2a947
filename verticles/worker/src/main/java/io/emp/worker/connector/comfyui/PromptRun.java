package io.emp.worker.connector.comfyui;

import io.emp.core.LogSafe;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job on ComfyUI, from the socket to the outcome. Lives on one event-loop context.
 * <ol>
 *   <li>opens {@code /ws?clientId=<id>} <b>first</b>, then {@code POST /prompt} with the same
 *       {@code client_id} — ComfyUI sends a prompt's events only to its client's socket, so nothing is
 *       missed (events that arrive before the prompt id is known are kept and replayed);</li>
 *   <li>maps the events of this prompt id to progress ({@link PromptEvents}, {@link ProgressTracker});</li>
 *   <li>{@code executing{node:null}} or {@code execution_success} → {@code GET /history/{id}} → outputs
 *       ({@link OutputFiles}); {@code execution_error} / {@code execution_interrupted} → failure
 *       ({@link ComfyUiFailures});</li>
 *   <li>a lost socket is reopened with the same client id every {@code EMP_COMFYUI_WS_RECONNECT_MS} (up to
 *       {@code EMP_COMFYUI_WS_RECONNECT_ATTEMPTS} times, then history polling alone); each pause first asks
 *       {@code /queue} and {@code /history} whether the prompt finished meanwhile (or vanished);</li>
 *   <li>cancel: a pending prompt is deleted from the queue, a running one interrupted, then the run ends
 *       {@link JobOutcome#cancelled()}.</li>
 * </ol>
 * Every wait is bounded: each HTTP call by its timeout, an unreachable ComfyUI by the reconnect attempts, a
 * silent socket by a status check every {@link #WATCHDOG_MS}, and the job as a whole by the worker's timeout.
 */
final class PromptRun implements PromptEvents.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(PromptRun.class);
  static final long WATCHDOG_MS = 30_000;
  private static final long CANCEL_CALL_MS = 2_000;

  private final Vertx vertx;
  private final Context context;
  private final ComfyUiApi api;
  private final PromptControl control;
  private final OutputFiles outputs;
  private final ComfyUiSettings settings;
  private final JobContext job;
  private final JsonObject graph;
  private final PromptEvents events;
  private final String clientId = UUID.randomUUID().toString().replace("-", "");
  private final Promise<JobOutcome> result = Promise.promise();
  private final long startedNanos = System.nanoTime();
  private String promptId;
  private WebSocket socket;
  private boolean submitting;
  private boolean finishing;
  private boolean cancelRequested;
  private int reconnects;
  private int unreachable;
  private long recoveryTimer = -1;
  private long watchdogTimer = -1;

  PromptRun(Context context, ComfyUiApi api, PromptControl control, OutputFiles outputs, ComfyUiSettings settings,
            JobContext job, JsonObject graph) {
    this.vertx = context.owner();
    this.context = context;
    this.api = api;
    this.control = control;
    this.outputs = outputs;
    this.settings = settings;
    this.job = job;
    this.graph = graph;
    this.events = new PromptEvents(graph, this);
  }

  Future<JobOutcome> start() {
    job.onCancel(() -> onContext(this::cancel));
    onContext(this::begin);
    return result.future();
  }

  private void begin() {
    if (done()) {
      return;
    }
    api.openSocket(clientId)
      .compose(ws -> {
        attach(ws);
        if (done()) {
          return Future.succeededFuture();
        }
        submitting = true;
        return api.submit(graph, clientId).map(this::submitted);
      })
      .onFailure(e -> {
        submitting = false;
        finish(ComfyUiException.outcome(e));
      });
  }

  private Void submitted(ComfyUiApi.Submitted s) {
    submitting = false;
    promptId = s.promptId();
    LOG.info("job {}: ComfyUI prompt {} queued as #{} (client {})", job.jobId(), LogSafe.of(promptId), s.number(), clientId);
    if (!s.nodeErrors().isEmpty()) {
      LOG.warn("job {}: ComfyUI skips outputs that failed validation: {}", job.jobId(), LogSafe.of(ComfyUiApi.snippet(s.nodeErrors().encode())));
    }
    if (cancelRequested) {
      stopAtBackend().onComplete(ar -> finish(JobOutcome.cancelled()));
      return null;
    }
    job.progress(0, "queued");
    events.promptId(promptId);
    watchdogTimer = vertx.setPeriodic(WATCHDOG_MS, t -> watchdog());
    return null;
  }

  private void attach(WebSocket ws) {
    if (done()) {
      ws.close();
      return;
    }
    socket = ws;
    events.heardNow();
    ws.textMessageHandler(events::onText);
    ws.binaryMessageHandler(preview -> { }); // live previews: not needed
    ws.exceptionHandler(e -> LOG.debug("job {}: ComfyUI websocket error: {}", job.jobId(), e.toString()));
    ws.closeHandler(v -> onSocketClosed(ws));
  }

  @Override
  public void progress(double percent, String message) {
    if (!done()) {
      job.progress(percent, message);
    }
  }

  @Override
  public void failed(JsonObject data, boolean interrupted) {
    finish(cancelRequested ? JobOutcome.cancelled()
      : interrupted ? ComfyUiFailures.interrupted(data) : ComfyUiFailures.executionError(data));
  }

  /** The socket said the prompt is done; its history entry (written just after) has the outputs. */
  @Override
  public void ended() {
    if (finishing || done()) {
      return;
    }
    finishing = true;
    control.historyWhenWritten(promptId).onComplete(ar -> {
      if (ar.succeeded()) {
        conclude(ar.result());
      } else {
        finish(ComfyUiException.outcome(ar.cause()));
      }
    });
  }

  /** Ends the run from a finished prompt's history entry: its failure, or its outputs. */
  private void conclude(JsonObject entry) {
    finishing = true;
    JobOutcome failed = ComfyUiFailures.fromHistory(entry);
    if (failed != null) {
      finish(cancelRequested ? JobOutcome.cancelled() : failed);
      return;
    }
    JsonObject files = entry.getValue("outputs") instanceof JsonObject o ? o : new JsonObject();
    outputs.collect(job.jobId(), files)
      .map(list -> JobOutcome.success(new JsonObject()
        .put("prompt_id", promptId)
        .put("outputs", list)
        .put("duration_ms", (System.nanoTime() - startedNanos) / 1_000_000)))
      .onComplete(ar -> finish(ar.succeeded() ? ar.result() : ComfyUiException.outcome(ar.cause())));
  }

  private void onSocketClosed(WebSocket ws) {
    if (ws != socket || done()) {
      return;
    }
    socket = null;
    reconnects = 0;
    LOG.warn("job {}: ComfyUI websocket closed; reconnecting as client {} every {} ms", job.jobId(), clientId,
      settings.wsReconnectMs());
    scheduleRecovery();
  }

  private void scheduleRecovery() {
    recoveryTimer = vertx.setTimer(settings.wsReconnectMs(), t -> recover());
  }

  /** While the socket is down: did the prompt finish meanwhile? Then try the socket again. */
  private void recover() {
    if (done()) {
      return;
    }
    Future<Void> check = promptId == null || finishing ? Future.succeededFuture() : checkStatus();
    check.onComplete(ar -> {
      if (done()) {
        return;
      }
      if (reconnects >= settings.wsReconnectAttempts()) {
        scheduleRecovery(); // history polling only
        return;
      }
      reconnects++;
      api.openSocket(clientId)
        .onSuccess(ws -> {
          attach(ws);
          LOG.info("job {}: ComfyUI websocket reconnected", job.jobId());
          if (promptId != null && !finishing) {
            checkStatus(); // it may have finished while the socket was down
          }
        })
        .onFailure(e -> scheduleRecovery());
    });
  }

  /**
   * Where is the prompt? Still queued or running → nothing to do; finished → conclude from its history;
   * neither → lost (ComfyUI restarted). Unreachable more often in a row than reconnects are allowed → give up.
   */
  private Future<Void> checkStatus() {
    return control.whereabouts(promptId)
      .<Void>map(where -> {
        unreachable = 0;
        if (done() || finishing || where.queued()) {
          return null;
        }
        if (where.lost()) {
          finish(JobOutcome.failure("ComfyUI lost prompt " + promptId + ": neither queued nor in its history "
            + "(was ComfyUI restarted?)", true));
        } else {
          conclude(where.history());
        }
        return null;
      })
      .recover(e -> {
        unreachable++;
        LOG.warn("job {}: ComfyUI status check failed ({} in a row): {}", job.jobId(), unreachable, LogSafe.of(e));
        if (unreachable > settings.wsReconnectAttempts() && !finishing) {
          JobOutcome.Failure f = (JobOutcome.Failure) ComfyUiException.outcome(e);
          finish(JobOutcome.failure("lost contact with ComfyUI while prompt " + promptId + " ran: " + f.message(), true));
        }
        return Future.succeededFuture();
      });
  }

  private void watchdog() {
    if (!done() && socket != null && !finishing && System.currentTimeMillis() - events.lastHeard() >= WATCHDOG_MS) {
      events.heardNow();
      checkStatus();
    }
  }

  private void cancel() {
    if (done() || finishing) {
      return; // finishing: the work is done, its result is being collected
    }
    cancelRequested = true;
    if (promptId == null) {
      if (!submitting) {
        finish(JobOutcome.cancelled());
      }
      return; // submitted() stops it once the prompt id is known
    }
    stopAtBackend().onComplete(ar -> finish(JobOutcome.cancelled()));
  }

  /** Stops the prompt at ComfyUI with short timeouts, so the worker gets its slot back promptly. */
  private Future<Void> stopAtBackend() {
    return control.stop(promptId, Math.min(api.timeoutMs(), CANCEL_CALL_MS))
      .onSuccess(v -> LOG.info("job {}: ComfyUI prompt {} stopped ({})", job.jobId(), LogSafe.of(promptId), job.cancelReason()))
      .recover(e -> {
        LOG.warn("job {}: could not stop ComfyUI prompt {}: {}", job.jobId(), LogSafe.of(promptId), LogSafe.of(e));
        return Future.succeededFuture();
      });
  }

  private void finish(JobOutcome outcome) {
    if (done()) {
      return;
    }
    if (outcome.succeeded()) {
      job.progress(100, "completed");
    }
    result.complete(outcome);
    vertx.cancelTimer(recoveryTimer);
    vertx.cancelTimer(watchdogTimer);
    WebSocket ws = socket;
    socket = null;
    if (ws != null) {
      ws.close();
    }
    if (outcome instanceof JobOutcome.Failure f) {
      LOG.info("job {}: ComfyUI {} ended: {} (retryable {})", job.jobId(),
        LogSafe.of(promptId == null ? "run (no prompt queued)" : "prompt " + promptId), LogSafe.of(f.message()), f.retryable());
    }
  }

  private boolean done() {
    return result.future().isComplete();
  }

  private void onContext(Runnable r) {
    if (Vertx.currentContext() == context) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }
}
