package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.JobStatus;
import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.ConnectorRegistry;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConnectorHealthTest extends WorkerTestBase {
  private final AtomicBoolean backendUp = new AtomicBoolean(true);

  /** A connector whose backend the test switches off and on. */
  private final class Switchable implements Connector {
    @Override
    public String service() {
      return "gpu";
    }

    @Override
    public Future<ConnectorHealth> health() {
      return Future.succeededFuture(backendUp.get() ? ConnectorHealth.up() : ConnectorHealth.down("connection refused"));
    }

    @Override
    public Future<JsonObject> capabilities() {
      return backendUp.get()
        ? Future.succeededFuture(new JsonObject().put("models", new JsonObject().put("gpu", java.util.List.of("m1"))))
        : Future.failedFuture("backend down");
    }

    @Override
    public Future<JobOutcome> run(JobContext job) {
      return Future.succeededFuture(JobOutcome.success(new JsonObject().put("ok", true)));
    }
  }

  private ConnectorRegistry registry() {
    return new ConnectorRegistry().register("gpu", e -> "", (s, env) -> new Switchable());
  }

  @Test
  @DisplayName("a backend going down withdraws its service (no job is claimed for it); back up, the service is restored")
  void withdrawAndRestore() {
    Deployed d = deploy(env("EMP_CONNECTORS", "gpu", "EMP_CONNECTOR_HEALTH_MS", "100"), registry());
    assertThat(workerInfo(d.worker()).getJsonArray("services")).containsExactly("gpu");
    backendUp.set(false);
    until("service withdrawn", 5_000, () -> workerInfo(d.worker()).getJsonArray("services").isEmpty());
    JsonObject status = workerInfo(d.worker()).getJsonObject("connectors").getJsonObject("gpu");
    assertThat(status.getString("status")).isEqualTo("down");
    assertThat(status.getString("detail")).contains("connection refused");

    String id = submitBody(new JsonObject().put("service", "gpu").put("payload", new JsonObject()));
    sleep(500);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);

    backendUp.set(true);
    awaitStatus(id, JobStatus.COMPLETED, 10_000);
    assertThat(workerInfo(d.worker()).getJsonObject("connectors").getJsonObject("gpu").getString("status")).isEqualTo("up");
    assertThat(workerInfo(d.worker()).getJsonObject("capabilities").getJsonObject("models").getJsonArray("gpu"))
      .containsExactly("m1");
    assertThat(events().stream().filter(e -> "worker.updated".equals(e.get("type"))).count()).isGreaterThanOrEqualTo(3);
  }

  @Test
  @DisplayName("a worker whose backend is down at start registers without that service")
  void downAtStart() {
    backendUp.set(false);
    Deployed d = deploy(env("EMP_CONNECTORS", "gpu", "EMP_CONNECTOR_HEALTH_MS", "100"), registry());
    assertThat(workerInfo(d.worker()).getJsonArray("services")).isEmpty();
    assertThat(workerInfo(d.worker()).getJsonObject("connectors").getJsonObject("gpu").getString("status")).isEqualTo("down");
  }
}
