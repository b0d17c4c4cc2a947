package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.model.JobStatus;
import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.ConnectorRegistry;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The role as a whole: its health endpoints and metrics. */
class WorkerRoleTest extends WorkerTestBase {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("/ready is 200 once every worker is registered, /health names the machine and workers")
  void readiness() throws Exception {
    Deployed d = deploy(env("EMP_WORKERS", "2", "EMP_WORKER_INDEX_START", "4", "EMP_HEALTH_PORT", "0"));
    int port = d.role().healthPort();
    assertThat(port).isPositive();

    HttpResponse<String> ready = get(port, "/ready");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    JsonObject checks = new JsonObject(ready.body()).getJsonObject("checks");
    for (String check : new String[] {"redis", "functions", "workers", "connectors"}) {
      assertThat(checks.getJsonObject(check).getBoolean("ok")).as(check).isTrue();
    }
    JsonObject health = new JsonObject(get(port, "/health").body());
    assertThat(health.getString("machine_id")).isEqualTo("m1");
    assertThat(health.getJsonArray("workers").getList()).containsExactly("m1-worker-4", "m1-worker-5");
  }

  @Test
  @DisplayName("/ready is 503 with the connector's reason while a connector is unhealthy")
  void unhealthyConnector() throws Exception {
    ConnectorRegistry registry = ConnectorRegistry.defaults()
      .register("flaky", env -> "backend at :8188 refused the connection", (reason, e) -> new Connector() {
        @Override
        public String service() {
          return "flaky";
        }

        @Override
        public Future<ConnectorHealth> health() {
          return Future.succeededFuture(ConnectorHealth.down(reason));
        }

        @Override
        public Future<JobOutcome> run(JobContext job) {
          return Future.succeededFuture(JobOutcome.failure("down", true));
        }
      });
    Deployed d = deploy(env("EMP_HEALTH_PORT", "0", "EMP_CONNECTORS", "simulation,flaky"), registry);

    HttpResponse<String> ready = get(d.role().healthPort(), "/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonObject connectors = new JsonObject(ready.body()).getJsonObject("checks").getJsonObject("connectors");
    assertThat(connectors.getBoolean("ok")).isFalse();
    assertThat(connectors.getString("reason")).isEqualTo("flaky: backend at :8188 refused the connection");
  }

  @Test
  @DisplayName("capabilities the broker refuses fail the deployment, naming the field")
  void refusedCapabilities() {
    assertThatThrownBy(() -> deploy(env("EMP_WORKER_CAPABILITIES", "{\"hardware\":{\"gpu_memory_gb\":\"24\"}}")))
      .hasMessageContaining("capabilities.hardware.gpu_memory_gb")
      .hasMessageContaining("EMP_WORKER_CAPABILITIES");
    JsonObject w = workerInfo("m1-worker-0");
    assertThat(w).as("nothing registered").isNull();
  }

  @Test
  @DisplayName("/metrics exposes the worker's job, claim and slot meters")
  void metrics() throws Exception {
    Deployed d = deploy(env("EMP_HEALTH_PORT", "0", "EMP_WORKER_SLOTS", "2"));
    String id = submit(new JsonObject().put("duration_ms", 10));
    awaitStatus(id, JobStatus.COMPLETED, 10_000);
    until("the outcome was counted", 5_000, () -> WorkerMetrics.INSTANCE.jobs("simulation", "completed") > 0);

    String body = get(d.role().healthPort(), "/metrics").body();
    assertThat(body).contains("emp_worker_jobs_total{outcome=\"completed\",service=\"simulation\"}");
    assertThat(body).contains("emp_worker_job_seconds_count{service=\"simulation\"}");
    assertThat(body).contains("emp_worker_slots_busy");
    assertThat(body).contains("emp_worker_slots ");
    assertThat(body).contains("emp_worker_claims_total{result=\"jobs\"}");
    until("connector health was probed", 10_000, () -> {
      try {
        return io.emp.testkit.PrometheusText.serves(get(d.role().healthPort(), "/metrics").body(), "emp_worker_connector_up");
      } catch (Exception e) {
        return false;
      }
    });
    body = get(d.role().healthPort(), "/metrics").body();
    for (String name : io.emp.testkit.PrometheusText.documented("worker")) {
      assertThat(io.emp.testkit.PrometheusText.serves(body, name)).as("docs/metrics.md names " + name).isTrue();
    }
    assertThat(io.emp.testkit.PrometheusText.malformed(body)).isEmpty();
    var problems = io.emp.testkit.PrometheusText.promtoolProblems(body);
    if (problems != null) {
      assertThat(problems).as("promtool check metrics").isEmpty();
    }
  }
}
