package io.emp.worker.connector.comfyui;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;

/** The comfyui connector. (Placeholder: being implemented.) */
public final class ComfyUiConnector implements Connector {
  private final ComfyUiSettings settings;

  public ComfyUiConnector(ComfyUiSettings settings, ConnectorEnv env) {
    this.settings = settings;
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return Future.succeededFuture(JobOutcome.failure("the comfyui connector is not implemented yet", false));
  }
}
