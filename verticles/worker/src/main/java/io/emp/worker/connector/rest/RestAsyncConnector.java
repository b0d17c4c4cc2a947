package io.emp.worker.connector.rest;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The {@code rest_async} connector: submits the job like {@code rest} (same payload rules), reads the
 * remote id from the answer, then polls {@code EMP_REST_ASYNC_STATUS_PATH} with a growing delay until
 * the remote state is done (result from the result field) or failed (the job fails at once with the
 * remote error). Cancelling POSTs {@code EMP_REST_ASYNC_CANCEL_PATH} when one is set. One
 * {@link AsyncJob} per job holds the state.
 */
public final class RestAsyncConnector implements Connector {
  private final RestAsyncSettings settings;
  private final RestBackend backend;
  private final Vertx vertx;

  public RestAsyncConnector(RestAsyncSettings settings, ConnectorEnv env) {
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
    return new AsyncJob(vertx, settings, backend, job, request).start();
  }
}
