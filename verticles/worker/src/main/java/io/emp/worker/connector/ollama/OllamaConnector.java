package io.emp.worker.connector.ollama;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;

/** The ollama connector. (Placeholder: being implemented.) */
public final class OllamaConnector implements Connector {
  private final OllamaSettings settings;

  public OllamaConnector(OllamaSettings settings, ConnectorEnv env) {
    this.settings = settings;
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return Future.succeededFuture(JobOutcome.failure("the ollama connector is not implemented yet", false));
  }
}
