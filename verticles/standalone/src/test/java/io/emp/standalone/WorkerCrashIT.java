package io.emp.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.events.BrokerEvent;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Worker JVMs really killed, paused and terminated with signals. */
class WorkerCrashIT {
  private static final Map<String, String> FAST_LEASES = Map.of(
    "EMP_LEASE_MS", "2000", "EMP_HEARTBEAT_MS", "500", "EMP_WORKER_SLOTS", "1", "EMP_CLAIM_POLL_MS", "1000",
    "EMP_SHUTDOWN_GRACE_MS", "500");
  private BrokerFixture broker;

  @BeforeEach
  void start() {
    broker = new BrokerFixture().controlPlane(Map.of());
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  private RoleProcess worker(String machine) throws Exception {
    RoleProcess w = RoleProcess.start(broker.workerEnv(machine, FAST_LEASES));
    w.awaitLog("worker role started", 30_000);
    return w;
  }

  private JsonObject simJob(long durationMs) {
    return broker.submit(new JsonObject().put("service", "simulation")
      .put("payload", new JsonObject().put("duration_ms", durationMs).put("steps", 4)));
  }

  private long count(String jobId, String type) {
    return broker.events().stream().filter(e -> jobId.equals(e.job()) && e.type().equals(type)).count();
  }

  @Test
  @DisplayName("kill -9 of a busy worker JVM: its job completes on another worker after the lease expires, no attempt burned")
  void killNineRecovers() throws Exception {
    try (RoleProcess a = worker("crash-a")) {
      String id = simJob(4_000).getString("id");
      JsonObject running = broker.awaitStatus(id, "running", 10_000);
      assertThat(running.getString("worker")).isEqualTo("crash-a-worker-0");
      a.kill9();
      assertThat(a.isAlive()).isFalse();
      try (RoleProcess b = worker("crash-b")) {
        JsonObject done = broker.awaitStatus(id, "completed", 30_000);
        assertThat(done.getString("worker")).isEqualTo("crash-b-worker-0");
        assertThat(done.getInteger("attempt")).isEqualTo(1);
        assertThat(done.getInteger("losses")).isEqualTo(1);
        assertThat(count(id, "job.completed")).isEqualTo(1);
        List<BrokerEvent> lost = broker.events().stream()
          .filter(e -> id.equals(e.job()) && "lost".equals(e.fields().get("reason"))).toList();
        assertThat(lost).hasSize(1);
      }
    }
  }

  @Test
  @DisplayName("a worker paused past its lease cannot complete the job when it wakes up: the new owner does")
  void pausedWorkerIsFenced() throws Exception {
    try (RoleProcess a = worker("pause-a")) {
      String id = simJob(3_000).getString("id");
      broker.awaitStatus(id, "running", 10_000);
      a.pause();
      try (RoleProcess b = worker("pause-b")) {
        BrokerFixture.eventually("job reassigned to pause-b", 20_000,
          () -> "pause-b-worker-0".equals(broker.job(id).getString("worker")));
        a.resume(); // a's simulated job finishes while b owns it
        JsonObject done = broker.awaitStatus(id, "completed", 20_000);
        assertThat(done.getString("worker")).isEqualTo("pause-b-worker-0");
        BrokerFixture.eventually("the late worker was fenced", 10_000, () -> new JsonObject(
          broker.request("GET", "/api/stats", null, BrokerFixture.TOKEN).body())
          .getJsonObject("counters").getInteger("fenced", 0) >= 1);
        assertThat(count(id, "job.completed")).isEqualTo(1);
        assertThat(a.isAlive()).isTrue();
      }
    }
  }

  @Test
  @DisplayName("SIGTERM on a busy worker JVM: its jobs go back to the queue, not failed, no attempt burned")
  void sigtermReleases() throws Exception {
    RoleProcess a = RoleProcess.start(broker.workerEnv("term-a",
      Map.of("EMP_WORKER_SLOTS", "2", "EMP_SHUTDOWN_GRACE_MS", "500", "EMP_HEARTBEAT_MS", "500")));
    try (a) {
      a.awaitLog("worker role started", 30_000);
      String j1 = simJob(60_000).getString("id");
      String j2 = simJob(60_000).getString("id");
      broker.awaitStatus(j1, "running", 10_000);
      broker.awaitStatus(j2, "running", 10_000);
      int exit = a.terminate(20_000);
      assertThat(exit).as(a.output()).isIn(0, 143);
      for (String id : List.of(j1, j2)) {
        JsonObject job = broker.job(id);
        assertThat(job.getString("status")).isEqualTo("queued");
        assertThat(job.getInteger("attempt")).isEqualTo(1);
        assertThat(job.getInteger("losses")).isZero();
        assertThat(count(id, "job.failed")).isZero();
      }
      assertThat(broker.events().stream().filter(e -> e.type().equals("worker.left")).count()).isEqualTo(1);
    }
  }
}
