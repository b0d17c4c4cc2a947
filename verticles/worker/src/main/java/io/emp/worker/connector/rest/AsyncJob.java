package io.emp.worker.connector.rest;

import io.emp.core.LogSafe;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job of the {@code rest_async} connector: submit, then poll the status URL on a timer whose delay
 * grows ×1.5 up to the maximum, until a done or failed state, {@code EMP_REST_ASYNC_MAX_WAIT_S}, or a
 * cancel. A poll that fails in transit or with 5xx is tried again up to {@link #MAX_POLL_ERRORS} times
 * in a row; a malformed status document or another 4xx ends the job. At most one request is in flight.
 */
final class AsyncJob {
  private static final Logger LOG = LoggerFactory.getLogger(AsyncJob.class);
  static final int MAX_POLL_ERRORS = 5;
  static final long CANCEL_TIMEOUT_MS = 3_000;

  private final Vertx vertx;
  private final RestAsyncSettings settings;
  private final RestBackend backend;
  private final JobContext job;
  private final RestRequest request;
  private final Promise<JobOutcome> outcome = Promise.promise();
  private final long deadline;
  private String remoteId;
  private HttpCall inFlight;
  private long timer = -1;
  private long delayMs;
  private int pollErrors;
  private boolean stopped;

  AsyncJob(Vertx vertx, RestAsyncSettings settings, RestBackend backend, JobContext job, RestRequest request) {
    this.vertx = vertx;
    this.settings = settings;
    this.backend = backend;
    this.job = job;
    this.request = request;
    this.delayMs = settings.pollMs();
    this.deadline = System.currentTimeMillis() + settings.maxWaitMs();
  }

  Future<JobOutcome> start() {
    job.progress(0, "submitting: " + request.describe());
    inFlight = backend.send(request);
    job.onCancel(ContextHop.on(vertx.getOrCreateContext(), this::cancel));
    inFlight.reply().onComplete(ar -> {
      if (ar.failed()) {
        finish(backend.failure("submit " + request.describe(), ar.cause()));
      } else {
        submitted(ar.result());
      }
    });
    return outcome.future();
  }

  private void submitted(HttpCall.Reply reply) {
    if (done()) {
      return;
    }
    if (!reply.is2xx()) {
      finish(backend.failure("submit " + request.describe(), reply));
      return;
    }
    JsonObject doc = document(reply, "the submit answer");
    if (doc == null) {
      return;
    }
    Object id = settings.idField().get(doc);
    if (!(id instanceof String || id instanceof Number) || String.valueOf(id).isBlank()) {
      finish(backend.malformed("the submit", "no job id at " + settings.idField()));
      return;
    }
    remoteId = String.valueOf(id);
    LOG.info("job {}: submitted to {} as {}", job.jobId(), settings.service(), LogSafe.of(remoteId));
    if (settings.stateField().get(doc) instanceof String) {
      onStatus(doc); // some backends answer a quick job at once
    } else {
      schedule();
    }
  }

  private void schedule() {
    if (done()) {
      return;
    }
    if (System.currentTimeMillis() + delayMs > deadline) {
      finish(JobOutcome.failure(settings.service() + ": remote job " + remoteId + " unfinished after "
        + settings.maxWaitMs() / 1000.0 + " s (EMP_REST_ASYNC_MAX_WAIT_S)", true));
      return;
    }
    timer = vertx.setTimer(delayMs, t -> poll());
    delayMs = Math.min(settings.pollMaxMs(), Math.round(delayMs * 1.5));
  }

  private void poll() {
    timer = -1;
    if (done()) {
      return;
    }
    String path = RestAsyncSettings.withId(settings.statusPath(), remoteId);
    try {
      inFlight = backend.send(HttpMethod.GET, path, settings.endpoint().timeoutMs());
    } catch (IllegalArgumentException e) {
      finish(backend.malformed("the submit", "the job id makes a bad status path: " + e.getMessage()));
      return;
    }
    inFlight.reply().onComplete(ar -> {
      if (done()) {
        return;
      }
      if (ar.succeeded() && ar.result().is2xx()) {
        pollErrors = 0;
        JsonObject doc = document(ar.result(), "the status of " + remoteId);
        if (doc != null) {
          onStatus(doc);
        }
      } else {
        pollFailed(ar.succeeded() ? backend.failure("status of " + remoteId, ar.result())
          : backend.failure("status of " + remoteId, ar.cause()));
      }
    });
  }

  /** A transient poll failure is retried a few times in a row; a permanent one ends the job. */
  private void pollFailed(JobOutcome failure) {
    JobOutcome.Failure f = (JobOutcome.Failure) failure;
    if (f.retryable() && ++pollErrors < MAX_POLL_ERRORS) {
      LOG.warn("job {}: poll {} of {} failed, trying again: {}", job.jobId(), pollErrors, MAX_POLL_ERRORS, LogSafe.of(f.message()));
      schedule();
    } else {
      finish(failure);
    }
  }

  private void onStatus(JsonObject doc) {
    Object state = settings.stateField().get(doc);
    if (!(state instanceof String s)) {
      finish(backend.malformed("the status of " + remoteId, "no state (string) at " + settings.stateField()));
      return;
    }
    String lower = s.toLowerCase();
    if (settings.doneStates().contains(lower)) {
      job.progress(100, s);
      finish(JobOutcome.success(new JsonObject()
        .put("id", remoteId)
        .put("status", s)
        .put("result", settings.resultField().get(doc))));
    } else if (settings.failedStates().contains(lower)) {
      finish(JobOutcome.failure(settings.service() + ": remote job " + remoteId + " " + s + ": " + error(doc),
        Boolean.TRUE.equals(doc.getValue("retryable"))));
    } else {
      if (settings.progressField().get(doc) instanceof Number n) {
        job.progress(Math.min(99.9, n.doubleValue() * 100 / settings.progressScale()), s);
      }
      schedule();
    }
  }

  private String error(JsonObject doc) {
    Object e = settings.errorField().get(doc);
    return e == null ? "(no error at " + settings.errorField() + ")" : e instanceof String s ? s : Json.encode(e);
  }

  /** The answer as a JSON object; ends the job as malformed (and returns null) when it is not one. */
  private JsonObject document(HttpCall.Reply reply, String what) {
    try {
      if (reply.body().length() > 0 && Json.decodeValue(reply.body()) instanceof JsonObject o) {
        return o;
      }
      finish(backend.malformed(what, "not a JSON object"));
    } catch (DecodeException e) {
      finish(backend.malformed(what, "not JSON"));
    }
    return null;
  }

  /** Stops polling and the request in flight, tells the backend (when it can), then ends cancelled. */
  private void cancel() {
    if (done()) {
      return;
    }
    stopped = true;
    vertx.cancelTimer(timer);
    if (inFlight != null) {
      inFlight.abort();
    }
    if (remoteId == null || settings.cancelPath() == null) {
      outcome.tryComplete(JobOutcome.cancelled());
      return;
    }
    String path = RestAsyncSettings.withId(settings.cancelPath(), remoteId);
    backend.send(HttpMethod.POST, path, CANCEL_TIMEOUT_MS).reply().onComplete(ar -> {
      if (ar.failed() || !ar.result().is2xx()) {
        LOG.warn("job {}: cancelling remote job {} failed: {}", job.jobId(), LogSafe.of(remoteId),
          LogSafe.of(ar.failed() ? ar.cause().getMessage() : "HTTP " + ar.result().status()));
      }
      outcome.tryComplete(JobOutcome.cancelled());
    });
  }

  private boolean done() {
    return stopped || outcome.future().isComplete();
  }

  /** Ends the job, unless a cancel already decided how it ends. */
  private void finish(JobOutcome result) {
    vertx.cancelTimer(timer);
    if (!stopped) {
      outcome.tryComplete(result);
    }
  }
}
