package io.emp.worker.connector.rest;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The {@code rest} connector: one HTTP request per job, below {@code EMP_REST_BASE_URL}, described by
 * the payload ({@link RestRequest}). The answer becomes the result
 * {@code {"status", "headers", "body"}}; 2xx succeeds, 5xx/408/429 and transport errors are retryable,
 * other statuses permanent. A payload naming another URL is refused before any request is made.
 * Cancelling resets the request.
 */
public final class RestSyncConnector implements Connector {
  private final RestSettings settings;
  private final RestBackend backend;
  private final Vertx vertx;

  public RestSyncConnector(RestSettings settings, ConnectorEnv env) {
    this.settings = settings;
    this.vertx = env.vertx();
    this.backend = new RestBackend(env.vertx(), settings.service(), settings.endpoint());
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<ConnectorHealth> health() {
    return backend.health();
  }

  @Override
  public Future<Void> stop() {
    return backend.close();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    RestRequest request;
    try {
      request = RestRequest.parse(job.payload(), settings.endpoint().baseUrl(), settings.endpoint().auth());
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(JobOutcome.failure(settings.service() + ": " + e.getMessage(), false));
    }
    Promise<JobOutcome> outcome = Promise.promise();
    job.progress(0, request.describe());
    HttpCall call = backend.send(request);
    job.onCancel(ContextHop.on(vertx.getOrCreateContext(), () -> {
      outcome.tryComplete(JobOutcome.cancelled());
      call.abort();
    }));
    call.reply().onComplete(ar -> outcome.tryComplete(ar.succeeded()
      ? outcomeOf(request, ar.result(), job)
      : backend.failure(request.describe(), ar.cause())));
    return outcome.future();
  }

  private JobOutcome outcomeOf(RestRequest request, HttpCall.Reply reply, JobContext job) {
    if (!reply.is2xx()) {
      return backend.failure(request.describe(), reply);
    }
    Object body;
    try {
      body = RestBackend.body(reply);
    } catch (DecodeException e) {
      return backend.malformed(request.describe(), "the body is not the JSON its Content-Type announces");
    }
    job.progress(100, request.describe() + ": HTTP " + reply.status());
    return JobOutcome.success(new JsonObject()
      .put("status", reply.status())
      .put("headers", RestBackend.resultHeaders(reply))
      .put("body", body));
  }
}
