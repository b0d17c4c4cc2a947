package io.emp.worker.connector.websocket;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;

/** The websocket connector. (Placeholder: being implemented.) */
public final class WebSocketConnector implements Connector {
  private final WebSocketSettings settings;

  public WebSocketConnector(WebSocketSettings settings, ConnectorEnv env) {
    this.settings = settings;
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return Future.succeededFuture(JobOutcome.failure("the websocket connector is not implemented yet", false));
  }
}
