package io.emp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.bus.Addresses;
import io.emp.core.model.JobSubmission;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The bridge's allow-list, its token check and the two RPC addresses, over a real WebSocket. */
class BridgeTest {
  private static final String T = MonitorFixture.TOKEN;
  private static MonitorFixture fx;

  @BeforeAll
  static void start() {
    fx = new MonitorFixture().start();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private static BridgeClient client() {
    return BridgeClient.connect(fx.vertx(), fx.monitorPort());
  }

  private static boolean isErr(JsonObject f) {
    return "err".equals(f.getString("type"));
  }

  @Test
  @DisplayName("a registered browser receives job events; the snapshot is consistent with a stream id")
  void eventsAndSnapshot() throws Exception {
    try (BridgeClient c = client()) {
      c.register(Addresses.EVENTS_JOBS, T);
      String before = c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "state"), T);
      JsonObject snap = c.reply(before);
      assertThat(snap.getString("type")).isEqualTo("rec");
      String eventId = snap.getJsonObject("body").getString("event_id");

      String id = MonitorFixture.await(fx.store().submit(JobSubmission.fromJson(
        new JsonObject().put("service", "simulation"), 1 << 20))).id();
      JsonObject event = c.next(f -> Addresses.EVENTS_JOBS.equals(f.getString("address")), 10_000).getJsonObject("body");
      assertThat(event.getString("type")).isEqualTo("job.submitted");
      assertThat(event.getString("job")).isEqualTo(id);
      assertThat(io.emp.core.events.BrokerEvent.isAfter(event.getString("id"), eventId)).isTrue();

      JsonObject after = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject(), T)).getJsonObject("body");
      assertThat(after.getString("event_id")).isEqualTo(event.getString("id"));
      assertThat(after.getJsonArray("jobs").stream().map(j -> ((JsonObject) j).getString("id"))).contains(id);
    }
  }

  @Test
  @DisplayName("sends, publishes and registrations outside the allow-list are refused")
  void allowList() throws Exception {
    try (BridgeClient c = client()) {
      c.send("emp.internal.anything", new JsonObject(), T);
      assertThat(c.next(BridgeTest::isErr, 5_000).getString("body")).isNotBlank();
      c.publish(Addresses.EVENTS_JOBS, new JsonObject().put("type", "job.completed"), T);
      assertThat(c.next(BridgeTest::isErr, 5_000)).isNotNull();
      c.register(Addresses.MONITOR_COMMAND, T);
      assertThat(c.next(BridgeTest::isErr, 5_000)).isNotNull();
      c.send(Addresses.EVENTS_JOBS, new JsonObject(), T);
      assertThat(c.next(BridgeTest::isErr, 5_000)).isNotNull();
      // the socket still works for permitted traffic afterwards
      JsonObject ok = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject(), T));
      assertThat(ok.getString("type")).isEqualTo("rec");
    }
  }

  @Test
  @DisplayName("without the operator token, or with a wrong one, nothing gets through")
  void token() throws Exception {
    int before = submitted();
    try (BridgeClient c = client()) {
      c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject(), null);
      assertThat(c.next(BridgeTest::isErr, 5_000)).isNotNull();
      c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "submit")
        .put("job", new JsonObject().put("service", "simulation")), "wrong");
      assertThat(c.next(BridgeTest::isErr, 5_000)).isNotNull();
      c.register(Addresses.EVENTS_JOBS, "wrong");
      assertThat(c.next(BridgeTest::isErr, 5_000)).isNotNull();
    }
    assertThat(submitted()).as("nothing submitted by the refused command").isEqualTo(before);
  }

  private static int submitted() {
    return MonitorFixture.await(fx.store().stats()).getJsonObject("counters").getInteger("submitted", 0);
  }

  @Test
  @DisplayName("the RPC consumers check the token themselves, whatever path a message came by")
  void consumersCheckToken() {
    var bus = fx.vertx().eventBus();
    Throwable e = MonitorFixture.await(bus.request(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "cancel")
      .put("id", "x")).transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())));
    assertThat(e).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) e).failureCode()).isEqualTo(401);
    Throwable wrong = MonitorFixture.await(bus.request(Addresses.MONITOR_SNAPSHOT, new JsonObject(),
      new DeliveryOptions().addHeader("token", "nope")).transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())));
    assertThat(((ReplyException) wrong).failureCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("commands validate like the api: errors carry the status and name the field")
  void commandValidation() throws Exception {
    try (BridgeClient c = client()) {
      JsonObject noService = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "submit")
        .put("job", new JsonObject().put("payload", new JsonObject())), T));
      assertThat(noService.getString("type")).isEqualTo("err");
      assertThat(noService.getInteger("failureCode")).isEqualTo(400);
      assertThat(new JsonObject(noService.getString("message")).getString("field")).isEqualTo("job.service");

      JsonObject badCount = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "submit")
        .put("job", new JsonObject().put("service", "s")).put("count", 101), T));
      assertThat(new JsonObject(badCount.getString("message")).getString("field")).isEqualTo("count");

      JsonObject unknownOp = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "format_disk"), T));
      assertThat(unknownOp.getInteger("failureCode")).isEqualTo(400);
      assertThat(new JsonObject(unknownOp.getString("message")).getString("field")).isEqualTo("op");

      JsonObject unknownJob = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "cancel")
        .put("id", "01JZZZZZZZZZZZZZZZZZZZZZZZ"), T));
      assertThat(unknownJob.getInteger("failureCode")).isEqualTo(404);

      JsonObject unknownMachine = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "restart_service")
        .put("machine", "nope").put("service", "x"), T));
      assertThat(unknownMachine.getInteger("failureCode")).isEqualTo(404);

      JsonObject badKind = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "secrets"), T));
      assertThat(new JsonObject(badKind.getString("message")).getString("field")).isEqualTo("kind");
    }
  }

  @Test
  @DisplayName("a batch submit returns every id; cancel and retry go through; job details explain matching")
  void commands() throws Exception {
    try (BridgeClient c = client()) {
      JsonObject r = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "submit")
        .put("job", new JsonObject().put("service", "nobody-runs-this").put("payload", new JsonObject().put("x", 1)))
        .put("count", 3), T)).getJsonObject("body");
      assertThat(r.getJsonArray("ids")).hasSize(3);
      String id = r.getJsonArray("ids").getString(0);

      JsonObject details = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "job").put("id", id), T))
        .getJsonObject("body");
      assertThat(details.getJsonObject("job").getJsonObject("payload").getInteger("x")).isEqualTo(1);
      assertThat(details.getJsonArray("events").getJsonObject(0).getString("type")).isEqualTo("job.submitted");
      assertThat(details.getJsonObject("explain").getJsonArray("workers")).isEmpty();

      JsonObject cancelled = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "cancel").put("id", id), T))
        .getJsonObject("body");
      assertThat(cancelled.getString("status")).isEqualTo("cancelled");
      JsonObject retried = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "retry").put("id", id), T))
        .getJsonObject("body");
      assertThat(retried.getString("status")).isEqualTo("queued");
    }
  }

  @Test
  @DisplayName("stats ticks arrive as the page's heartbeat, and the history answers")
  void statsAndHistory() throws Exception {
    try (BridgeClient c = client()) {
      c.register(Addresses.EVENTS_STATS, T);
      JsonObject tick = c.next(f -> Addresses.EVENTS_STATS.equals(f.getString("address")), 5_000).getJsonObject("body");
      assertThat(tick.getString("type")).isEqualTo("stats");
      assertThat(tick.getJsonObject("stats").getJsonObject("statuses")).isNotNull();
      assertThat(tick.getJsonObject("point").getLong("t")).isPositive();
      JsonObject h = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "history").put("window_s", 120), T))
        .getJsonObject("body");
      assertThat(h.getJsonArray("points")).isNotEmpty().hasSizeLessThanOrEqualTo(StatsHistory.MAX_POINTS);
      JsonObject bad = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "history").put("window_s", 5), T));
      assertThat(new JsonObject(bad.getString("message")).getString("field")).isEqualTo("window_s");
    }
  }

  @Test
  @DisplayName("/metrics serves the monitor's documented names and passes promtool; /health and /ready answer")
  void metricsAndHealth() throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + fx.monitorPort();
    String text = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).build(),
      java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    for (String name : io.emp.testkit.PrometheusText.documented("monitor")) {
      assertThat(io.emp.testkit.PrometheusText.serves(text, name)).as(name).isTrue();
    }
    assertThat(io.emp.testkit.PrometheusText.malformed(text)).isEmpty();
    var problems = io.emp.testkit.PrometheusText.promtoolProblems(text);
    if (problems != null) {
      assertThat(problems).as("promtool check metrics").isEmpty();
    }
    var ready = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/ready")).build(),
      java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getJsonObject("checks").getJsonObject("functions").getBoolean("ok")).isTrue();
  }

  @Test
  @DisplayName("scoped tokens: read watches, operate commands machines and jobs, submit only submits")
  void scopes() throws Exception {
    String read = "tok-read";
    String operate = "tok-operate";
    String submit = "tok-submit";
    try (MonitorFixture scoped = new MonitorFixture(java.util.Map.of("EMP_API_TOKENS",
      "grafana read " + io.emp.core.auth.TokenRegistry.hash(read) + "; oncall operate "
        + io.emp.core.auth.TokenRegistry.hash(operate) + "; acme-app submit " + io.emp.core.auth.TokenRegistry.hash(submit)
        + " acme")).start();
         BridgeClient c = BridgeClient.connect(scoped.vertx(), scoped.monitorPort())) {
      // read: may watch and read, may not act
      JsonObject snap = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject(), read));
      assertThat(snap.getString("type")).isEqualTo("rec");
      JsonObject refused = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "restart_service")
        .put("machine", "m").put("service", "x"), read));
      assertThat(refused.getInteger("failureCode")).isEqualTo(403);
      assertThat(c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "submit")
        .put("job", new JsonObject().put("service", "s")), read)).getInteger("failureCode")).isEqualTo(403);
      // operate: past the scope check (then 404: no such machine)
      assertThat(c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "restart_service")
        .put("machine", "m").put("service", "x"), operate)).getInteger("failureCode")).isEqualTo(404);
      assertThat(c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "submit")
        .put("job", new JsonObject().put("service", "s")), operate)).getInteger("failureCode")).isEqualTo(403);
      // submit: submits for its customer, may not watch the fleet
      JsonObject ok = c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "submit")
        .put("job", new JsonObject().put("service", "s")), submit)).getJsonObject("body");
      String id = ok.getJsonArray("ids").getString(0);
      assertThat(MonitorFixture.await(scoped.store().getJob(id)).customerId()).isEqualTo("acme");
      c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject(), submit);
      assertThat(c.next(BridgeTest::isErr, 5_000).getString("body")).isEqualTo("rejected");
      c.register(Addresses.EVENTS_JOBS, submit);
      assertThat(c.next(BridgeTest::isErr, 5_000)).isNotNull();
      // operate cancels any job; retry needs operate
      assertThat(c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "retry").put("id", id), submit))
        .getInteger("failureCode")).isEqualTo(403);
      assertThat(c.reply(c.send(Addresses.MONITOR_COMMAND, new JsonObject().put("op", "cancel").put("id", id), operate))
        .getJsonObject("body").getString("status")).isEqualTo("cancelled");
    }
  }

  @Test
  @DisplayName("a socket that stops pinging is closed by the bridge")
  void pingTimeout() throws Exception {
    try (MonitorFixture quick = new MonitorFixture(java.util.Map.of("EMP_MONITOR_PING_TIMEOUT_MS", "1000")).start()) {
      var closed = new java.util.concurrent.CompletableFuture<Void>();
      var ws = MonitorFixture.await(quick.vertx().createWebSocketClient().connect(quick.monitorPort(), "127.0.0.1",
        "/eventbus/websocket"));
      ws.closeHandler(v -> closed.complete(null));
      closed.get(10, TimeUnit.SECONDS);
      assertThat(closed).isDone();
    }
  }
}
