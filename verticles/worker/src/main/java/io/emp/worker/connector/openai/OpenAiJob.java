package io.emp.worker.connector.openai;

import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;

/**
 * One job on an OpenAI-compatible server, on one context: a chat completion read as server-sent events,
 * or an images / embeddings request read as one JSON answer. A cancel resets the request (closing the
 * connection stops the generation) and completes at once with {@link JobOutcome#cancelled()}. Every
 * text that leaves this class passes {@link OpenAiHttp#redact}.
 */
final class OpenAiJob {
  private final OpenAiHttp http;
  private final OpenAiRequest request;
  private final JobContext job;
  private final Context context;
  private final Promise<JobOutcome> outcome = Promise.promise();
  private SseExchange exchange;

  OpenAiJob(OpenAiHttp http, OpenAiRequest request, JobContext job, Context context) {
    this.http = http;
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
    exchange = http.exchange();
    boolean chat = request.endpoint() == OpenAiRequest.Endpoint.CHAT;
    exchange.open(http.client(), http.post(request.endpoint().path, chat), request.body().toBuffer())
      .compose(resp -> resp.statusCode() / 100 != 2 ? refused(resp) : chat ? chat(resp) : json(resp))
      .onComplete(ar -> outcome.tryComplete(redact(ar.succeeded()
        ? ar.result()
        : JobOutcome.failure("openai: " + http.describe(ar.cause()), !(ar.cause() instanceof IllegalArgumentException)))));
  }

  private void stop() {
    outcome.tryComplete(JobOutcome.cancelled());
    if (exchange != null) {
      exchange.abort();
    }
  }

  private Future<JobOutcome> refused(HttpClientResponse resp) {
    return exchange.errorBody(resp).map(body -> OpenAiErrors.fromResponse(resp.statusCode(), resp.headers(), body));
  }

  private Future<JobOutcome> chat(HttpClientResponse resp) {
    ChatStream stream = new ChatStream(request, job);
    String type = resp.getHeader("content-type");
    if (type != null && type.startsWith("application/json")) {
      // a server that ignores stream: true answers with one chat.completion
      return exchange.readJson(resp).map(stream::onCompletion);
    }
    return exchange.readEvents(resp, stream::onChunk, stream::onDone, stream::onEnd);
  }

  /** Images: {@code data} (urls or b64_json); embeddings: {@code data} and {@code usage}. */
  private Future<JobOutcome> json(HttpClientResponse resp) {
    return exchange.readJson(resp).map(body -> {
      if (body.getValue("error") != null) {
        return OpenAiErrors.inStream(body.getValue("error"));
      }
      JsonObject result = new JsonObject().put("model", body.getValue("model", request.model()))
        .put("data", body.getValue("data"));
      for (String key : new String[] {"usage", "created"}) {
        if (body.getValue(key) != null) {
          result.put(key, body.getValue(key));
        }
      }
      return JobOutcome.success(result);
    });
  }

  private JobOutcome redact(JobOutcome o) {
    if (o instanceof JobOutcome.Success s) {
      return JobOutcome.success(http.redact(s.result()));
    }
    JobOutcome.Failure f = (JobOutcome.Failure) o;
    return JobOutcome.failure(http.redact(f.message()), f.retryable());
  }
}
