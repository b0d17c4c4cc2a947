package io.emp.worker.connector.rest;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;

/** The rest connector. (Placeholder: being implemented.) */
public final class RestSyncConnector implements Connector {
  private final RestSettings settings;

  public RestSyncConnector(RestSettings settings, ConnectorEnv env) {
    this.settings = settings;
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return Future.succeededFuture(JobOutcome.failure("the rest connector is not implemented yet", false));
  }
}
