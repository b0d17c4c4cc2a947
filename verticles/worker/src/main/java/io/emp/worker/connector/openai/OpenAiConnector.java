package io.emp.worker.connector.openai;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;

/** The openai connector. (Placeholder: being implemented.) */
public final class OpenAiConnector implements Connector {
  private final OpenAiSettings settings;

  public OpenAiConnector(OpenAiSettings settings, ConnectorEnv env) {
    this.settings = settings;
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return Future.succeededFuture(JobOutcome.failure("the openai connector is not implemented yet", false));
  }
}
