package io.emp.worker.connector.websocket;

import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.http.BackendFailure;
import io.emp.worker.connector.rest.ContextHop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job over its own WebSocket connection. Sends the payload with {@code <id field> = job id} as one
 * text message; replies without that id are ignored. A reply of the progress type reports progress, of
 * the result type completes the job, of the error type fails it. The silence timer restarts with every
 * reply for the job. The socket closing first, an error on it or silence → retryable failure; a reply
 * that is not a JSON object → failure. Cancel sends {@code {"<type field>": "cancel", "<id field>": id}}
 * and closes. Whatever ends the job closes the socket.
 */
final class WsJob {
  private static final Logger LOG = LoggerFactory.getLogger(WsJob.class);
  private static final short NORMAL = 1000;

  private final Vertx vertx;
  private final WebSocketConnector connector;
  private final WebSocketSettings settings;
  private final JobContext job;
  private final Promise<JobOutcome> outcome = Promise.promise();
  private WebSocket ws;
  private long silenceTimer = -1;

  WsJob(Vertx vertx, WebSocketConnector connector, WebSocketSettings settings, JobContext job) {
    this.vertx = vertx;
    this.connector = connector;
    this.settings = settings;
    this.job = job;
  }

  Future<JobOutcome> start() {
    job.onCancel(ContextHop.on(vertx.getOrCreateContext(), this::cancel));
    connector.connect(settings.connectTimeoutMs()).onComplete(ar -> {
      if (ar.failed()) {
        finish(connectFailure(ar.cause()));
      } else {
        opened(ar.result());
      }
    });
    return outcome.future();
  }

  private void opened(WebSocket socket) {
    if (done()) {
      socket.close(NORMAL);
      return;
    }
    ws = socket;
    ws.textMessageHandler(this::onMessage);
    ws.binaryMessageHandler(b -> LOG.debug("job {}: binary websocket message ignored", job.jobId()));
    ws.exceptionHandler(e -> finish(JobOutcome.failure(prefix() + "connection error: " + e.getMessage(), true)));
    ws.closeHandler(v -> finish(JobOutcome.failure(prefix() + "the socket closed before a result (code "
      + ws.closeStatusCode() + (ws.closeReason() == null ? "" : ", " + ws.closeReason()) + ")", true)));
    armSilence();
    JsonObject request = job.payload().copy().put(settings.idField(), job.jobId());
    ws.writeTextMessage(request.encode())
      .onFailure(e -> finish(JobOutcome.failure(prefix() + "could not send the job: " + e.getMessage(), true)));
    job.progress(0, "sent");
  }

  private void onMessage(String text) {
    if (done()) {
      return;
    }
    JsonObject msg;
    try {
      msg = Json.decodeValue(text) instanceof JsonObject o ? o : null;
    } catch (DecodeException e) {
      msg = null;
    }
    if (msg == null) {
      finish(JobOutcome.failure(prefix() + "malformed message (not a JSON object): " + snippet(text), true));
      return;
    }
    Object id = msg.getValue(settings.idField());
    if (id == null || !job.jobId().equals(String.valueOf(id))) {
      return; // another job's, or a broadcast
    }
    armSilence();
    Object type = msg.getValue(settings.typeField());
    if (settings.progressType().equals(type)) {
      if (msg.getValue(settings.progressField()) instanceof Number p) {
        job.progress(Math.min(99.9, p.doubleValue()), msg.getValue("message") instanceof String m ? m : "progress");
      }
    } else if (settings.resultType().equals(type)) {
      job.progress(100, "result");
      finish(JobOutcome.success(new JsonObject().put("result", msg.getValue(settings.resultField()))));
    } else if (settings.errorType().equals(type)) {
      Object error = msg.getValue(settings.errorField());
      finish(JobOutcome.failure(prefix() + (error instanceof String s ? s : error == null ? "error" : Json.encode(error)),
        Boolean.TRUE.equals(msg.getValue("retryable"))));
    }
  }

  private void armSilence() {
    vertx.cancelTimer(silenceTimer);
    silenceTimer = vertx.setTimer(settings.messageTimeoutMs(), t -> finish(JobOutcome.failure(prefix()
      + "no message for the job within " + settings.messageTimeoutMs() / 1000.0 + " s (EMP_WS_MESSAGE_TIMEOUT_S)", true)));
  }

  /** Tells the server (best effort), closes, ends cancelled. */
  private void cancel() {
    if (done()) {
      return;
    }
    if (ws != null && !ws.isClosed()) {
      ws.writeTextMessage(new JsonObject().put(settings.typeField(), "cancel").put(settings.idField(), job.jobId()).encode());
    }
    finish(JobOutcome.cancelled());
  }

  private boolean done() {
    return outcome.future().isComplete();
  }

  private void finish(JobOutcome result) {
    if (!outcome.tryComplete(result)) {
      return;
    }
    vertx.cancelTimer(silenceTimer);
    if (ws != null && !ws.isClosed()) {
      ws.close(NORMAL);
    }
  }

  private JobOutcome connectFailure(Throwable e) {
    if (e instanceof UpgradeRejectedException r) {
      return BackendFailure.fromStatus(prefix() + "handshake with " + settings.displayUrl(), r.getStatus(),
        r.getBody() == null ? null : r.getBody().toString());
    }
    return JobOutcome.failure(prefix() + "connect to " + settings.displayUrl() + " failed: " + e.getMessage(), true);
  }

  private String prefix() {
    return settings.service() + ": ";
  }

  private static String snippet(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }
}
