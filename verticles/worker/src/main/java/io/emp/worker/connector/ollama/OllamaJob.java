package io.emp.worker.connector.ollama;

import io.emp.core.LogSafe;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.http.BackendFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job on Ollama, on one context: stream the generation; when the server answers 404 "model not
 * found", pull the model (its progress is the first {@link #PULL_SHARE} % of the job) and stream again.
 * A cancel resets the open request — closing the connection is how Ollama stops — and completes at
 * once with {@link JobOutcome#cancelled()}.
 */
final class OllamaJob {
  private static final Logger LOG = LoggerFactory.getLogger(OllamaJob.class);
  static final double PULL_SHARE = 40;

  private final OllamaHttp http;
  private final OllamaSettings settings;
  private final OllamaRequest request;
  private final JobContext job;
  private final Context context;
  private final Promise<JobOutcome> outcome = Promise.promise();
  private JsonLines exchange;

  OllamaJob(OllamaHttp http, OllamaSettings settings, OllamaRequest request, JobContext job, Context context) {
    this.http = http;
    this.settings = settings;
    this.request = request;
    this.job = job;
    this.context = context;
  }

  Future<JobOutcome> start() {
    job.onCancel(() -> context.runOnContext(v -> stop()));
    if (Vertx.currentContext() == context) {
      begin();
    } else {
      context.runOnContext(v -> begin());
    }
    return outcome.future();
  }

  private void begin() {
    if (job.isCancelled()) {
      stop();
      return;
    }
    generate(false).onComplete(ar -> outcome.tryComplete(ar.succeeded()
      ? ar.result()
      : JobOutcome.failure("ollama: " + http.describe(ar.cause()), !(ar.cause() instanceof IllegalArgumentException))));
  }

  private void stop() {
    outcome.tryComplete(JobOutcome.cancelled());
    if (exchange != null) {
      exchange.abort();
    }
  }

  private Future<JobOutcome> generate(boolean afterPull) {
    OllamaGeneration generation = new OllamaGeneration(request, job, afterPull ? PULL_SHARE : 0);
    JsonLines call = track(http.lines());
    return call.open(http.client(), http.post(request.path()), request.body().toBuffer())
      .compose(resp -> resp.statusCode() / 100 == 2
        ? call.read(resp, generation::onChunk, generation::onEnd)
        : call.errorText(resp).compose(error -> refused(resp.statusCode(), error, afterPull)));
  }

  /** A non-2xx answer: a missing model is pulled (once), anything else fails by its status. */
  private Future<JobOutcome> refused(int status, String error, boolean afterPull) {
    if (status != 404 || !error.toLowerCase(Locale.ROOT).contains("not found")) {
      return Future.succeededFuture(JobOutcome.failure("ollama answered HTTP " + status + ": " + error,
        BackendFailure.isRetryableStatus(status)));
    }
    if (afterPull) {
      return Future.succeededFuture(JobOutcome.failure("ollama: model " + request.model()
        + " is still not found after pulling it: " + error, false));
    }
    if (!settings.pull()) {
      return Future.succeededFuture(JobOutcome.failure("ollama: model " + request.model() + " is not installed on "
        + settings.displayUrl() + " and EMP_OLLAMA_PULL is off (" + error + ")", false));
    }
    return pull().compose(pulled -> pulled.succeeded() ? generate(true) : Future.succeededFuture(pulled));
  }

  private Future<JobOutcome> pull() {
    LOG.info("job {}: model {} is not on {}; pulling it", job.jobId(), LogSafe.of(request.model()), settings.displayUrl());
    OllamaPull pull = new OllamaPull(request.model(), job, PULL_SHARE);
    JsonLines call = track(http.lines());
    JsonObject body = new JsonObject().put("model", request.model()).put("stream", true);
    return call.open(http.client(), http.post("/api/pull"), body.toBuffer())
      .compose(resp -> resp.statusCode() / 100 == 2
        ? call.read(resp, pull::onLine, pull::onEnd)
        : call.errorText(resp).map(e -> pull.failed("HTTP " + resp.statusCode() + ": " + e)))
      .andThen(ar -> LOG.info("job {}: pull of {} {}", job.jobId(), LogSafe.of(request.model()),
        ar.succeeded() && ar.result().succeeded() ? "done" : "failed"));
  }

  /** The exchange a cancel must close; one opened after the cancel is closed at once. */
  private JsonLines track(JsonLines call) {
    exchange = call;
    if (outcome.future().isComplete()) {
      call.abort();
    }
    return call;
  }
}
