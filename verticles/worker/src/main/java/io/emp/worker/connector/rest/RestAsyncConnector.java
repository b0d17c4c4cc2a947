package io.emp.worker.connector.rest;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;

/** The rest_async connector. (Placeholder: being implemented.) */
public final class RestAsyncConnector implements Connector {
  private final RestAsyncSettings settings;

  public RestAsyncConnector(RestAsyncSettings settings, ConnectorEnv env) {
    this.settings = settings;
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return Future.succeededFuture(JobOutcome.failure("the rest_async connector is not implemented yet", false));
  }
}
