package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WebSocketTest extends ApiTestBase {
  private static final String W = "m1-worker-0";
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private WebSocketClient client;
  private WebSocket ws;

  @AfterEach
  void closeSocket() {
    if (client != null) {
      await(client.close());
    }
  }

  private void connect(WebSocketConnectOptions options) {
    client = vertx.createWebSocketClient();
    ws = await(client.connect(options.setHost(HOST).setPort(port)));
    ws.textMessageHandler(text -> received.add(new JsonObject(text)));
  }

  private void connect() {
    connect(new WebSocketConnectOptions().setURI("/ws/client").addHeader("Authorization", "Bearer " + TOKEN));
  }

  /** Sends and returns the reply; pushed job events that arrive first stay queued for {@link #next()}. */
  private JsonObject send(JsonObject msg) {
    await(ws.writeTextMessage(msg.encode()));
    java.util.List<JsonObject> pushed = new java.util.ArrayList<>();
    JsonObject m = take();
    while ("job_event".equals(m.getString("type"))) {
      pushed.add(m);
      m = take();
    }
    pending.addAll(pushed);
    return m;
  }

  private final java.util.Deque<JsonObject> pending = new java.util.ArrayDeque<>();

  private JsonObject next() {
    JsonObject early = pending.pollFirst();
    return early != null ? early : take();
  }

  private JsonObject take() {
    try {
      JsonObject m = received.poll(10, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("no WebSocket message within 10 s");
      }
      return m;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("submit_job over the socket creates the job and replies job_submitted with the request id")
  void submit() {
    connect();
    JsonObject reply = send(new JsonObject().put("type", "submit_job").put("request_id", "r1")
      .put("job", new JsonObject().put("service", "s").put("payload", new JsonObject().put("n", 1))));
    assertThat(reply.getString("type")).isEqualTo("job_submitted");
    assertThat(reply.getString("request_id")).isEqualTo("r1");
    assertThat(reply.getString("status")).isEqualTo("queued");
    JsonObject job = job(reply.getString("id"));
    assertThat(job.getJsonObject("payload")).isEqualTo(new JsonObject().put("n", 1));
  }

  @Test
  @DisplayName("subscribe pushes every event of the job until its terminal one; cancel_job replies job_cancel")
  void subscribeAndCancel() {
    connect();
    String followed = submit("s");
    String other = submit("s");
    JsonObject ack = send(new JsonObject().put("type", "subscribe").put("request_id", 7)
      .put("job_ids", new JsonArray().add(followed)));
    assertThat(ack.getString("type")).isEqualTo("subscribed");
    assertThat(ack.getInteger("request_id")).isEqualTo(7);
    assertThat(ack.getJsonArray("job_ids")).containsExactly(followed);

    registerWorker(W, "m1", "s");
    ClaimedJob c = claimOne(W);
    assertThat(c.id()).isEqualTo(followed);
    await(store.progress(followed, W, c.token(), 0, null));
    await(store.cancel(other)); // not followed: never pushed

    JsonObject assigned = next();
    assertThat(assigned.getString("type")).isEqualTo("job_event");
    assertThat(assigned.getString("job_id")).isEqualTo(followed);
    assertThat(assigned.getJsonObject("event").getString("type")).isEqualTo("job.assigned");
    assertThat(next().getJsonObject("event").getString("type")).isEqualTo("job.running");

    JsonObject cancel = send(new JsonObject().put("type", "cancel_job").put("request_id", "c1").put("job_id", followed));
    assertThat(cancel.getString("type")).as(cancel.encode()).isEqualTo("job_cancel");
    assertThat(cancel.getString("id")).isEqualTo(followed);
    assertThat(cancel.getString("status")).isEqualTo("cancel_requested");
    assertThat(next().getJsonObject("event").getString("type")).isEqualTo("job.cancel_requested");

    await(store.fail(followed, W, c.token(), "interrupted", true));
    JsonObject cancelled = next();
    assertThat(cancelled.getJsonObject("event").getString("type")).isEqualTo("job.cancelled");
    assertThat(cancelled.getJsonObject("event").getString("status")).isEqualTo("cancelled");
    assertThat(poll(300)).as("nothing about the other job").isNull();
  }

  @Test
  @DisplayName("after unsubscribe no more events of the job are pushed")
  void unsubscribe() {
    connect();
    String id = submit("s");
    send(new JsonObject().put("type", "subscribe").put("job_ids", new JsonArray().add(id)));
    JsonObject ack = send(new JsonObject().put("type", "unsubscribe").put("request_id", "u")
      .put("job_ids", new JsonArray().add(id)));
    assertThat(ack.getString("type")).isEqualTo("unsubscribed");
    await(store.cancel(id));
    assertThat(poll(300)).isNull();
  }

  @Test
  @DisplayName("bad messages get error replies naming the field, and the socket stays open")
  void errors() {
    connect();
    JsonObject unknownType = send(new JsonObject().put("type", "dance").put("request_id", "x1"));
    assertError(unknownType, "x1", "INVALID", "type");

    await(ws.writeTextMessage("{not json"));
    assertError(next(), null, "INVALID", "message");

    JsonObject invalidJob = send(new JsonObject().put("type", "submit_job").put("request_id", "x2")
      .put("job", new JsonObject().put("service", "s").put("priority", "75")));
    assertError(invalidJob, "x2", "INVALID", "priority");

    JsonObject missingJob = send(new JsonObject().put("type", "submit_job").put("request_id", "x3"));
    assertError(missingJob, "x3", "INVALID", "job");

    JsonObject unknownJob = send(new JsonObject().put("type", "cancel_job").put("request_id", "x4")
      .put("job_id", "01JGZ4Y1N6Q3W8K2V5T7R9M0AB"));
    assertError(unknownJob, "x4", "NOT_FOUND", "id");

    JsonObject badSubscribe = send(new JsonObject().put("type", "subscribe").put("request_id", "x5")
      .put("job_ids", new JsonArray().add(42)));
    assertError(badSubscribe, "x5", "INVALID", "job_ids");

    String done = submit("s");
    send(new JsonObject().put("type", "cancel_job").put("job_id", done));
    JsonObject conflict = send(new JsonObject().put("type", "cancel_job").put("request_id", "x6").put("job_id", done));
    assertError(conflict, "x6", "ILLEGAL_STATE", "status");

    JsonObject stillOpen = send(new JsonObject().put("type", "submit_job").put("request_id", "ok")
      .put("job", new JsonObject().put("service", "s")));
    assertThat(stillOpen.getString("type")).isEqualTo("job_submitted");
  }

  @Test
  @DisplayName("the socket needs the token: header or ?token=; without it the upgrade is refused")
  void auth() {
    connect(new WebSocketConnectOptions().setURI("/ws/client?token=" + TOKEN));
    assertThat(send(new JsonObject().put("type", "submit_job").put("job", new JsonObject().put("service", "s")))
      .getString("type")).isEqualTo("job_submitted");

    WebSocketClient anonymous = vertx.createWebSocketClient();
    try {
      Throwable refused = await(anonymous.connect(new WebSocketConnectOptions().setHost(HOST).setPort(port)
        .setURI("/ws/client")).map(w -> (Throwable) null).recover(io.vertx.core.Future::succeededFuture));
      assertThat(refused).isNotNull();
      assertThat(refused.getMessage()).contains("401");
    } finally {
      await(anonymous.close());
    }
  }

  @Test
  @DisplayName("closing the socket releases it")
  void closeReleases() {
    assertThat(awaitCount(ApiMetrics::openWebSockets, 0)).as("sockets of earlier tests are gone").isZero();
    connect();
    send(new JsonObject().put("type", "subscribe").put("job_ids", new JsonArray().add(submit("s"))));
    assertThat(ApiMetrics.openWebSockets()).isEqualTo(1);
    await(ws.close());
    assertThat(awaitCount(ApiMetrics::openWebSockets, 0)).isZero();
  }

  private JsonObject poll(long ms) {
    JsonObject early = pending.pollFirst();
    if (early != null) {
      return early;
    }
    try {
      return received.poll(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertError(JsonObject msg, Object requestId, String code, String field) {
    assertThat(msg.getString("type")).as(msg.encode()).isEqualTo("error");
    assertThat(msg.getValue("request_id")).isEqualTo(requestId);
    assertThat(msg.getJsonObject("error").getString("code")).isEqualTo(code);
    assertThat(msg.getJsonObject("error").getString("field")).isEqualTo(field);
    assertThat(msg.getJsonObject("error").getString("message")).isNotBlank();
  }
}
