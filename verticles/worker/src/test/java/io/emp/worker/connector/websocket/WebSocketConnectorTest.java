package io.emp.worker.connector.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.rest.BrokerHarness;
import io.vertx.core.net.NetServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WebSocketConnectorTest extends BrokerHarness {
  private FakeWsServer fake;

  @BeforeEach
  void startFake() {
    fake = new FakeWsServer(vertx).start(0);
  }

  @AfterEach
  void stopFake() {
    fake.stop();
  }

  private Map<String, String> wsEnv(String... more) {
    Map<String, String> env = env("EMP_CONNECTORS", "websocket", "EMP_WS_URL", fake.url(),
      "EMP_CONNECTOR_HEALTH_MS", "100");
    for (int i = 0; i + 1 < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  private JobOutcome runDirect(JsonObject payload, String... more) {
    WebSocketConnector c = new WebSocketConnector(WebSocketSettings.from(EnvConfig.of(wsEnv(more))), connectorEnv(0));
    try {
      return outcome(onContext(() -> c.run(jobContext("websocket", payload))), 10_000);
    } finally {
      await(c.stop());
    }
  }

  /** Answers each job with: a message for another job, progress 25 and 60, then {@code last}. */
  private void answerWith(JsonObject last) {
    fake.behavior = (ws, text) -> {
      String id = new JsonObject(text).getString("job_id");
      fake.sendLater(ws, 0, new JsonObject().put("type", "result").put("job_id", "someone-else").put("result", "not yours"));
      fake.sendLater(ws, 50, new JsonObject().put("type", "progress").put("job_id", id).put("progress", 25));
      fake.sendLater(ws, 350, new JsonObject().put("type", "progress").put("job_id", id).put("progress", 60)
        .put("message", "denoising"));
      fake.sendLater(ws, 650, last.copy().put("job_id", id));
    };
  }

  @Test
  @DisplayName("the payload goes out with the job id; replies for the job map to progress and the result; the socket is closed")
  void success() {
    answerWith(new JsonObject().put("type", "result").put("result", new JsonObject().put("text", "hello")));
    deploy(wsEnv());
    String id = submit("websocket", new JsonObject().put("prompt", "hi").put("max_tokens", 5));
    Job job = awaitStatus(id, JobStatus.COMPLETED, 10_000);

    assertThat(new JsonObject(job.result()).getJsonObject("result").getString("text")).isEqualTo("hello");
    JsonObject sent = fake.jobs().get(0);
    assertThat(sent.getString("job_id")).isEqualTo(id);
    assertThat(sent.getString("prompt")).isEqualTo("hi");
    List<String> reported = events(id, "job.progress").stream().map(e -> e.get("progress")).toList();
    assertThat(reported).contains("25", "60");
    assertThat(reported.get(reported.size() - 1)).isEqualTo("100");
    until("the connector closed the socket", 5_000, () -> fake.closed.get() == 1);
  }

  @Test
  @DisplayName("an error reply fails the job with its message: permanent, unless it says retryable")
  void errorReply() {
    answerWith(new JsonObject().put("type", "error").put("message", "model not loaded"));
    JobOutcome.Failure f = failure(runDirect(new JsonObject()));
    assertThat(f.retryable()).isFalse();
    assertThat(f.message()).contains("model not loaded");
    answerWith(new JsonObject().put("type", "error").put("message", "busy").put("retryable", true));
    assertThat(failure(runDirect(new JsonObject())).retryable()).isTrue();
  }

  @Test
  @DisplayName("a refused handshake: 5xx retryable, 4xx permanent; nothing listening: retryable")
  void handshakeRefused() {
    fake.rejectStatus = 503;
    assertThat(failure(runDirect(new JsonObject())).retryable()).isTrue();
    fake.rejectStatus = 403;
    JobOutcome.Failure forbidden = failure(runDirect(new JsonObject()));
    assertThat(forbidden.retryable()).isFalse();
    assertThat(forbidden.message()).contains("403");
    fake.stop();
    assertThat(failure(runDirect(new JsonObject())).retryable()).isTrue();
  }

  @Test
  @DisplayName("the server closing the socket before a result is a retryable failure")
  void closedBeforeResult() {
    fake.behavior = (ws, text) -> {
      ws.writeTextMessage(new JsonObject().put("type", "progress").put("job_id", new JsonObject(text).getString("job_id"))
        .put("progress", 10).encode());
      ws.close((short) 1011, "worker crashed");
    };
    JobOutcome.Failure f = failure(runDirect(new JsonObject()));
    assertThat(f.retryable()).isTrue();
    assertThat(f.message()).contains("closed before a result").contains("1011");
  }

  @Test
  @DisplayName("a message that is not JSON fails the job at once, no hang")
  void malformed() {
    fake.behavior = (ws, text) -> ws.writeTextMessage("{oops");
    long t0 = System.currentTimeMillis();
    JobOutcome.Failure f = failure(runDirect(new JsonObject()));
    assertThat(System.currentTimeMillis() - t0).isLessThan(3_000);
    assertThat(f.message()).contains("malformed");
  }

  @Test
  @DisplayName("a silent server: the job fails after EMP_WS_MESSAGE_TIMEOUT_S, it never hangs")
  void silentServer() {
    deploy(wsEnv("EMP_WS_MESSAGE_TIMEOUT_S", "0.5"));
    long t0 = System.currentTimeMillis();
    String id = submit("websocket", new JsonObject().put("prompt", "anyone?"), "max_attempts", 1);
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(System.currentTimeMillis() - t0).isLessThan(5_000);
    assertThat(job.error()).contains("no message");
    until("the socket was closed", 5_000, () -> fake.closed.get() == 1);
  }

  @Test
  @DisplayName("a server that accepts TCP but never completes the handshake: the connect times out")
  void connectTimeout() {
    NetServer blackHole = await(vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1"));
    try {
      long t0 = System.currentTimeMillis();
      JobOutcome.Failure f = failure(runDirect(new JsonObject(), "EMP_WS_URL", "ws://127.0.0.1:" + blackHole.actualPort(),
        "EMP_WS_CONNECT_TIMEOUT_S", "0.5"));
      assertThat(System.currentTimeMillis() - t0).isLessThan(3_000);
      assertThat(f.retryable()).isTrue();
    } finally {
      await(blackHole.close());
    }
  }

  @Test
  @DisplayName("the worker's timeout closes the socket (after a cancel notice) and fails the job with reason timeout")
  void timeoutThroughTheWorker() {
    fake.behavior = (ws, text) -> {
      String id = new JsonObject(text).getString("job_id");
      if (id != null && !"cancel".equals(new JsonObject(text).getString("type"))) {
        vertx.setPeriodic(100, t -> {
          if (ws.isClosed()) {
            vertx.cancelTimer(t);
          } else {
            ws.writeTextMessage(new JsonObject().put("type", "progress").put("job_id", id).put("progress", 1).encode());
          }
        });
      }
    };
    deploy(wsEnv());
    String id = submit("websocket", new JsonObject(), "max_attempts", 1, "timeout_s", 0.8);
    Job job = awaitStatus(id, JobStatus.FAILED, 10_000);
    assertThat(job.failReason()).isEqualTo("timeout");
    until("the socket was closed", 5_000, () -> fake.closed.get() == 1);
    assertThat(fake.cancels()).hasSize(1);
  }

  @Test
  @DisplayName("cancelling a running job sends a cancel notice, closes the socket, and the job ends cancelled")
  void cancel() {
    fake.behavior = (ws, text) -> {
      JsonObject m = new JsonObject(text);
      if (!"cancel".equals(m.getString("type"))) {
        fake.sendLater(ws, 0, new JsonObject().put("type", "progress").put("job_id", m.getString("job_id")).put("progress", 5));
      }
    };
    deploy(wsEnv());
    String id = submit("websocket", new JsonObject());
    until("progress reported", 10_000, () -> job(id).progress() > 0);
    assertThat(await(store.cancel(id))).isEqualTo("cancel_requested");
    awaitStatus(id, JobStatus.CANCELLED, 10_000);
    until("the socket was closed", 5_000, () -> fake.closed.get() == 1);
    assertThat(fake.cancels()).hasSize(1);
    assertThat(fake.cancels().get(0).getString("job_id")).isEqualTo(id);
  }

  @Test
  @DisplayName("the server going down withdraws the service; back up, it is restored and a queued job runs")
  void downAndUp() {
    answerWith(new JsonObject().put("type", "result").put("result", "ok"));
    // A restored service does not wake the worker: the queued job waits for the fallback claim.
    String worker = deploy(wsEnv("EMP_CLAIM_POLL_MS", "200"));
    assertThat(services(worker)).containsExactly("websocket");
    int port = fake.port();
    fake.stop();
    until("service withdrawn", 5_000, () -> services(worker).isEmpty());
    String id = submit("websocket", new JsonObject());
    sleep(300);
    assertThat(job(id).status()).isEqualTo(JobStatus.QUEUED);
    fake.start(port);
    assertThat(new JsonObject(awaitStatus(id, JobStatus.COMPLETED, 10_000).result()).getString("result")).isEqualTo("ok");
  }

  @Test
  @DisplayName("settings: EMP_WS_URL is required when enabled and must be ws:// or wss://")
  void settings() {
    assertThatThrownBy(() -> WebSocketSettings.from(EnvConfig.of(Map.of())))
      .isInstanceOf(ConfigException.class).hasMessageContaining("EMP_WS_URL");
    assertThatThrownBy(() -> WebSocketSettings.from(EnvConfig.of(Map.of("EMP_WS_URL", "http://x/ws"))))
      .hasMessageContaining("EMP_WS_URL");
    WebSocketSettings s = WebSocketSettings.from(EnvConfig.of(Map.of("EMP_WS_URL", "wss://x/ws")));
    assertThat(s.service()).isEqualTo("websocket");
    assertThat(s.connectTimeoutMs()).isEqualTo(10_000);
    assertThat(s.messageTimeoutMs()).isEqualTo(60_000);
    assertThat(List.of(s.idField(), s.typeField(), s.progressType(), s.progressField(), s.resultType(),
      s.resultField(), s.errorType(), s.errorField()))
      .containsExactly("job_id", "type", "progress", "progress", "result", "result", "error", "message");
  }
}
