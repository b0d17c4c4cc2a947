package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.simulation.SimulationConnector;
import io.emp.worker.connector.simulation.SimulationSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SimulationConnectorTest {
  private static Vertx vertx;
  private final List<Double> progress = new CopyOnWriteArrayList<>();
  private final List<String> messages = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private SimulationConnector connector(SimulationSettings settings) {
    return new SimulationConnector(settings, new ConnectorEnv(vertx, "m1", "m1-worker-0", 0));
  }

  private JobContext job(JsonObject payload) {
    return new JobContext("job-1", "simulation", payload, 1, (pct, msg) -> {
      progress.add(pct);
      messages.add(msg);
    });
  }

  private static JobOutcome await(Future<JobOutcome> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a job takes duration_ms and reports its steps as evenly spaced progress up to 100 %")
  void durationAndSteps() throws Exception {
    long t0 = System.nanoTime();
    JobOutcome outcome = await(connector(SimulationSettings.of(1000, 5))
      .run(job(new JsonObject().put("duration_ms", 300).put("steps", 3))));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(outcome).isInstanceOf(JobOutcome.Success.class);
    assertThat(tookMs).as("ran for duration_ms").isGreaterThanOrEqualTo(300);
    assertThat(progress).hasSize(3);
    assertThat(progress.get(0)).isCloseTo(33.3, org.assertj.core.data.Offset.offset(0.1));
    assertThat(progress.get(1)).isCloseTo(66.7, org.assertj.core.data.Offset.offset(0.1));
    assertThat(progress.get(2)).isEqualTo(100.0);
    assertThat(messages).containsExactly("step 1/3", "step 2/3", "step 3/3");
    JsonObject result = ((JobOutcome.Success) outcome).result();
    assertThat(result.getBoolean("ok")).isTrue();
    assertThat(result.getInteger("steps")).isEqualTo(3);
    assertThat(result.getString("worker")).isEqualTo("m1-worker-0");
  }

  @Test
  @DisplayName("without payload fields the EMP_SIM_* defaults apply")
  void defaults() throws Exception {
    JobOutcome outcome = await(connector(SimulationSettings.of(50, 2)).run(job(new JsonObject())));
    assertThat(outcome.succeeded()).isTrue();
    assertThat(progress).containsExactly(50.0, 100.0);
  }

  @Test
  @DisplayName("result_bytes sets the size of the result's data")
  void resultSize() throws Exception {
    JobOutcome outcome = await(connector(SimulationSettings.of(10, 1))
      .run(job(new JsonObject().put("result_bytes", 5000))));
    assertThat(((JobOutcome.Success) outcome).result().getString("data")).hasSize(5000);
  }

  @Test
  @DisplayName("fail: true fails retryably, without reaching 100 %")
  void failFlag() throws Exception {
    JobOutcome outcome = await(connector(SimulationSettings.of(10, 1))
      .run(job(new JsonObject().put("fail", true).put("steps", 4).put("duration_ms", 40))));
    assertThat(outcome).isInstanceOf(JobOutcome.Failure.class);
    JobOutcome.Failure f = (JobOutcome.Failure) outcome;
    assertThat(f.retryable()).isTrue();
    assertThat(f.message()).contains("simulated failure");
    assertThat(progress).containsExactly(25.0, 50.0, 75.0);
  }

  @Test
  @DisplayName("fail_rate 1.0 always fails, fail_rate 0 never does")
  void failRate() throws Exception {
    SimulationConnector c = connector(SimulationSettings.of(1, 1));
    for (int i = 0; i < 5; i++) {
      assertThat(await(c.run(job(new JsonObject().put("fail_rate", 1.0)))).succeeded()).isFalse();
      assertThat(await(c.run(job(new JsonObject().put("fail_rate", 0)))).succeeded()).isTrue();
    }
  }

  @Test
  @DisplayName("a payload of the wrong type or range is a non-retryable failure naming the field")
  void badPayload() throws Exception {
    SimulationConnector c = connector(SimulationSettings.of(10, 1));
    List<JsonObject> bad = List.of(
      new JsonObject().put("duration_ms", "x"),
      new JsonObject().put("duration_ms", -5),
      new JsonObject().put("steps", 1.5),
      new JsonObject().put("fail", "yes"),
      new JsonObject().put("fail_rate", 2),
      new JsonObject().put("result_bytes", 10_000_000));
    List<String> fields = List.of("duration_ms", "duration_ms", "steps", "fail", "fail_rate", "result_bytes");
    for (int i = 0; i < bad.size(); i++) {
      JobOutcome outcome = await(c.run(job(bad.get(i))));
      assertThat(outcome).as(bad.get(i).encode()).isInstanceOf(JobOutcome.Failure.class);
      JobOutcome.Failure f = (JobOutcome.Failure) outcome;
      assertThat(f.retryable()).as(bad.get(i).encode()).isFalse();
      assertThat(f.message()).contains(fields.get(i));
    }
    assertThat(progress).isEmpty();
  }

  @Test
  @DisplayName("cancelling a running job stops it at once, long before its duration")
  void cancel() throws Exception {
    JobContext ctx = job(new JsonObject().put("duration_ms", 60_000).put("steps", 600));
    Future<JobOutcome> running = connector(SimulationSettings.of(10, 1)).run(ctx);
    long deadline = System.currentTimeMillis() + 5_000;
    while (progress.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(progress).as("it was running").isNotEmpty();
    ctx.cancel("requested");

    JobOutcome outcome = await(running);
    assertThat(outcome).isEqualTo(JobOutcome.cancelled());
    int reported = progress.size();
    Thread.sleep(300);
    assertThat(progress).as("no progress after the cancel").hasSize(reported);
    assertThat(progress.get(progress.size() - 1)).isLessThan(100);
  }

  @Test
  @DisplayName("it advertises its models under its service name")
  void capabilities() throws Exception {
    JsonObject caps = connector(SimulationSettings.of(10, 1)).capabilities()
      .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(caps.getJsonObject("models").getJsonArray("simulation").getList()).containsExactly("sim-model");
  }
}
