package io.emp.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The whole path through HTTP with real simulation workers: SSE, cancel, retries, auth. */
class JobLifecycleIT {
  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = new BrokerFixture().standalone(Map.of("EMP_SIM_WORKERS", "2", "EMP_WORKER_SLOTS", "1",
      "EMP_RETRY_AVOID_MS", "0"));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static JsonObject sim(long durationMs, int steps) {
    return new JsonObject().put("service", "simulation")
      .put("payload", new JsonObject().put("duration_ms", durationMs).put("steps", steps));
  }

  @Test
  @DisplayName("SSE streams the current state, then every transition and progress in order, then closes")
  void sseInOrder() throws Exception {
    // delayed (2 s: opening the stream on a cold, loaded JVM can take a while), so the stream is open
    // before any worker can touch the job
    String id = broker.submit(sim(600, 3).put("delay_ms", 2000)).getString("id");
    HttpRequest req = HttpRequest.newBuilder(URI.create(broker.base() + "/api/jobs/" + id + "/events"))
      .header("Authorization", "Bearer " + BrokerFixture.TOKEN).build();
    HttpResponse<Stream<String>> r = broker.http.send(req, HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> types = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    r.body().forEach(line -> {
      if (line.startsWith("event: ")) {
        types.add(line.substring(7));
      } else if (line.startsWith("id: ")) {
        ids.add(line.substring(4));
      }
    });
    // the stream ended by itself after the terminal event
    assertThat(types.get(0)).isEqualTo("state");
    assertThat(types.get(types.size() - 1)).isEqualTo("job.completed");
    List<String> transitions = types.stream().filter(t -> !t.equals("job.progress") && !t.equals("state")).toList();
    assertThat(transitions).containsExactly("job.queued", "job.assigned", "job.running", "job.completed");
    assertThat(types.indexOf("job.running")).isLessThan(types.lastIndexOf("job.progress"));
    assertThat(types).contains("job.progress");
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("cancel of a queued job and of a running job")
  void cancelQueuedAndRunning() {
    String running1 = broker.submit(sim(30_000, 3)).getString("id");
    String running2 = broker.submit(sim(30_000, 3)).getString("id");
    broker.awaitStatus(running1, "running", 10_000);
    broker.awaitStatus(running2, "running", 10_000);
    String queued = broker.submit(sim(10, 1)).getString("id");
    assertThat(broker.job(queued).getString("status")).isEqualTo("queued");

    HttpResponse<String> c = broker.request("POST", "/api/jobs/" + queued + "/cancel", null, BrokerFixture.TOKEN);
    assertThat(c.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(c.body()).getString("status")).isEqualTo("cancelled");

    HttpResponse<String> c2 = broker.request("POST", "/api/jobs/" + running1 + "/cancel", null, BrokerFixture.TOKEN);
    assertThat(new JsonObject(c2.body()).getString("status")).isEqualTo("cancel_requested");
    JsonObject cancelled = broker.awaitStatus(running1, "cancelled", 5_000);
    assertThat(cancelled.getLong("finished_at") - System.currentTimeMillis()).isLessThan(1_000);
    broker.request("POST", "/api/jobs/" + running2 + "/cancel", null, BrokerFixture.TOKEN);
    broker.awaitStatus(running2, "cancelled", 5_000);

    HttpResponse<String> again = broker.request("POST", "/api/jobs/" + queued + "/cancel", null, BrokerFixture.TOKEN);
    assertThat(again.statusCode()).isEqualTo(409);
  }

  @Test
  @DisplayName("a failing job is retried with backoff and fails after max_attempts; retry runs it again")
  void failRetryFailed() {
    JsonObject job = new JsonObject().put("service", "simulation").put("max_attempts", 2)
      .put("backoff", new JsonObject().put("base_ms", 100))
      .put("payload", new JsonObject().put("duration_ms", 10).put("fail", true));
    String id = broker.submit(job).getString("id");
    JsonObject failed = broker.awaitStatus(id, "failed", 15_000);
    assertThat(failed.getInteger("attempt")).isEqualTo(2);
    assertThat(failed.getString("fail_reason")).isEqualTo("max_attempts");
    assertThat(failed.getString("error")).isNotBlank();

    HttpResponse<String> retry = broker.request("POST", "/api/jobs/" + id + "/retry", null, BrokerFixture.TOKEN);
    assertThat(retry.statusCode()).isEqualTo(200);
    broker.awaitStatus(id, "failed", 15_000);
    long failures = broker.events().stream().filter(e -> id.equals(e.job()) && e.type().equals("job.failed")).count();
    assertThat(failures).isEqualTo(2);
  }

  @Test
  @DisplayName("requests without or with a wrong token are refused and write nothing")
  void auth() {
    // submissions only: workers, machines and earlier jobs keep writing other events meanwhile
    long before = broker.events().stream().filter(e -> e.type().equals("job.submitted")).count();
    assertThat(broker.request("POST", "/api/jobs", sim(1, 1), null).statusCode()).isEqualTo(401);
    assertThat(broker.request("POST", "/api/jobs", sim(1, 1), "wrong").statusCode()).isEqualTo(403);
    assertThat(broker.request("GET", "/api/stats", null, null).statusCode()).isEqualTo(401);
    assertThat(broker.request("GET", "/health", null, null).statusCode()).isEqualTo(200);
    assertThat(broker.events().stream().filter(e -> e.type().equals("job.submitted")).count()).isEqualTo(before);
  }
}
