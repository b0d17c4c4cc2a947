package io.emp.worker.connector.a1111;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;

/** The a1111 connector. (Placeholder: being implemented.) */
public final class A1111Connector implements Connector {
  private final A1111Settings settings;

  public A1111Connector(A1111Settings settings, ConnectorEnv env) {
    this.settings = settings;
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return Future.succeededFuture(JobOutcome.failure("the a1111 connector is not implemented yet", false));
  }
}
