package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.api.SseClient.Frame;
import io.emp.core.model.ClaimedJob;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SseTest extends ApiTestBase {
  private static final String W = "m1-worker-0";

  @Override
  Map<String, String> env() {
    Map<String, String> env = super.env();
    env.put("EMP_SSE_KEEPALIVE_MS", "100");
    return env;
  }

  private SseClient open(String jobId, Map<String, String> extraHeaders) {
    Map<String, String> headers = new java.util.HashMap<>(extraHeaders);
    headers.put("Authorization", "Bearer " + TOKEN);
    return SseClient.open(vertx, port, "/api/jobs/" + jobId + "/events", headers);
  }

  @Test
  @DisplayName("SSE sends the state, then assigned, running, progress and completed in order, then ends")
  void stateThenTransitions() {
    String id = submit("s");
    try (SseClient sse = open(id, Map.of())) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
      Frame state = sse.nextEvent();
      assertThat(state.event()).isEqualTo("state");
      assertThat(state.json().getString("id")).isEqualTo(id);
      assertThat(state.json().getString("status")).isEqualTo("queued");
      assertThat(state.id()).matches("\\d+-\\d+");

      registerWorker(W, "m1", "s");
      ClaimedJob c = claimOne(W);
      await(store.progress(id, W, c.token(), 0, null));
      await(store.progress(id, W, c.token(), 50, "half way"));
      await(store.complete(id, W, c.token(), "{\"images\":1}"));

      List<Frame> events = List.of(sse.nextEvent(), sse.nextEvent(), sse.nextEvent(), sse.nextEvent());
      assertThat(events).extracting(Frame::event)
        .containsExactly("job.assigned", "job.running", "job.progress", "job.completed");
      for (Frame f : events) {
        JsonObject data = f.json();
        assertThat(data.getString("id")).isEqualTo(f.id());
        assertThat(data.getString("type")).isEqualTo(f.event());
        assertThat(data.getString("job")).isEqualTo(id);
      }
      assertThat(events.get(2).json().getInteger("progress")).isEqualTo(50);
      assertThat(events.get(2).json().getString("message")).isEqualTo("half way");
      assertIncreasing(state.id(), events);
      assertThat(sse.awaitEnd(10_000)).as("the stream ends after the terminal event").isTrue();
    }
  }

  @Test
  @DisplayName("a finished job's stream sends the state and ends at once")
  void terminalJobEndsAfterState() {
    String id = submit("s");
    post("/api/jobs/" + id + "/cancel");
    try (SseClient sse = open(id, Map.of())) {
      Frame state = sse.nextEvent();
      assertThat(state.event()).isEqualTo("state");
      assertThat(state.json().getString("status")).isEqualTo("cancelled");
      assertThat(sse.awaitEnd(10_000)).isTrue();
      assertThat(sse.drainEvents()).isEmpty();
    }
  }

  @Test
  @DisplayName("resuming with Last-Event-ID replays exactly the missed events, then live ones, without duplicates")
  void resume() {
    String id = submit("s");
    String other = submit("s");
    String lastSeen;
    registerWorker(W, "m1", "s");
    try (SseClient first = open(id, Map.of())) {
      first.nextEvent(); // state
      ClaimedJob c = claimOne(W); // takes `id`, the older job
      assertThat(c.id()).isEqualTo(id);
      lastSeen = first.nextEvent().id(); // job.assigned
    }
    // missed while disconnected: running and progress of `id`, and noise from another job
    String token = tokenOf(id);
    await(store.progress(id, W, token, 0, null));
    await(store.cancel(other));
    await(store.progress(id, W, token, 40, null));

    try (SseClient resumed = open(id, Map.of("Last-Event-ID", lastSeen))) {
      assertThat(resumed.status()).isEqualTo(200);
      List<Frame> replayed = List.of(resumed.nextEvent(), resumed.nextEvent());
      assertThat(replayed).extracting(Frame::event).containsExactly("job.running", "job.progress");
      assertIncreasing(lastSeen, replayed);

      await(store.progress(id, W, token, 80, null));
      await(store.complete(id, W, token, null));
      List<Frame> live = List.of(resumed.nextEvent(), resumed.nextEvent());
      assertThat(live).extracting(Frame::event).containsExactly("job.progress", "job.completed");
      assertThat(live.get(0).json().getInteger("progress")).isEqualTo(80);
      assertIncreasing(replayed.get(1).id(), live);
      assertThat(resumed.awaitEnd(10_000)).isTrue();
      assertThat(resumed.drainEvents()).as("nothing twice").isEmpty();
    }
  }

  @Test
  @DisplayName("?last_event_id= resumes like the header; a finished job with nothing missed answers 204")
  void resumeByQueryAndNoContent() {
    String id = submit("s");
    String stateId;
    try (SseClient sse = open(id, Map.of())) {
      stateId = sse.nextEvent().id();
    }
    await(store.cancel(id));
    String cancelledId;
    try (SseClient sse = SseClient.open(vertx, port, "/api/jobs/" + id + "/events?last_event_id=" + stateId
      + "&token=" + TOKEN, Map.of())) {
      Frame cancelled = sse.nextEvent();
      assertThat(cancelled.event()).isEqualTo("job.cancelled");
      cancelledId = cancelled.id();
      assertThat(sse.awaitEnd(10_000)).isTrue();
    }
    try (SseClient sse = open(id, Map.of("Last-Event-ID", cancelledId))) {
      assertThat(sse.status()).isEqualTo(204);
    }
  }

  @Test
  @DisplayName("keep-alive comments arrive while a job waits")
  void keepAlive() {
    String id = submit("s");
    try (SseClient sse = open(id, Map.of())) {
      sse.nextEvent();
      int comments = 0;
      for (int i = 0; i < 50 && comments < 2; i++) {
        Frame f = sse.next(1_000);
        if (f != null && f.isComment() && f.comment().equals("keep-alive")) {
          comments++;
        }
      }
      assertThat(comments).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("a client that disconnects releases its stream")
  void disconnectReleases() {
    String id = submit("s");
    assertThat(awaitCount(ApiMetrics::openSseStreams, 0)).as("streams of earlier tests are gone").isZero();
    SseClient sse = open(id, Map.of());
    sse.nextEvent();
    assertThat(ApiMetrics.openSseStreams()).isEqualTo(1);
    sse.close();
    assertThat(awaitCount(ApiMetrics::openSseStreams, 0)).isZero();
  }

  @Test
  @DisplayName("a malformed Last-Event-ID is 400 naming it; SSE also accepts ?token=")
  void badResumePoint() {
    String id = submit("s");
    try (SseClient sse = open(id, Map.of("Last-Event-ID", "yesterday"))) {
      assertThat(sse.status()).isEqualTo(400);
    }
    try (SseClient sse = SseClient.open(vertx, port, "/api/jobs/" + id + "/events?token=wrong", Map.of())) {
      assertThat(sse.status()).isEqualTo(403);
    }
    try (SseClient sse = SseClient.open(vertx, port, "/api/jobs/" + id + "/events", Map.of())) {
      assertThat(sse.status()).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("a resume whose missed events were trimmed from the stream gets the current state instead")
  void resumeAfterTrim() {
    String id = submit("s");
    String stateId;
    try (SseClient sse = open(id, Map.of())) {
      stateId = sse.nextEvent().id();
    }
    registerWorker(W, "m1", "s");
    ClaimedJob c = claimOne(W);
    await(store.progress(id, W, c.token(), 30, null));
    await(redis.send(Request.cmd(Command.XTRIM).arg(keys.events()).arg("MAXLEN").arg(1)));
    try (SseClient sse = open(id, Map.of("Last-Event-ID", stateId))) {
      Frame state = sse.nextEvent();
      assertThat(state.event()).isEqualTo("state");
      assertThat(state.json().getString("status")).isEqualTo("running");
      assertThat(state.json().getDouble("progress")).isEqualTo(30.0);
      await(store.complete(id, W, c.token(), null));
      assertThat(sse.nextEvent().event()).isEqualTo("job.completed");
      assertThat(sse.awaitEnd(10_000)).isTrue();
    }
    String next = submit("s");
    String nextState;
    try (SseClient sse = open(next, Map.of())) {
      nextState = sse.nextEvent().id();
    }
    await(store.cancel(next));
    await(redis.send(Request.cmd(Command.XTRIM).arg(keys.events()).arg("MAXLEN").arg(0)));
    try (SseClient sse = open(next, Map.of("Last-Event-ID", nextState))) {
      Frame state = sse.nextEvent();
      assertThat(state.event()).as("an emptied stream is a gap too").isEqualTo("state");
      assertThat(state.json().getString("status")).isEqualTo("cancelled");
      assertThat(sse.awaitEnd(10_000)).isTrue();
    }
  }

  @Test
  @DisplayName("when two tailers of one process report each event, a stream still sends every event once")
  void duplicatesFromTwoTailersAreDropped() {
    ApiVerticle second = new ApiVerticle(ApiConfig.from(io.emp.core.config.EnvConfig.of(env())));
    String deployment = await(vertx.deployVerticle(second));
    try {
      String id = submit("s");
      try (SseClient sse = open(id, Map.of())) {
        sse.nextEvent();
        registerWorker(W, "m1", "s");
        ClaimedJob c = claimOne(W);
        await(store.progress(id, W, c.token(), 0, null));
        await(store.complete(id, W, c.token(), null));
        assertThat(sse.awaitEnd(10_000)).isTrue();
        assertThat(sse.drainEvents()).extracting(Frame::event)
          .containsExactly("job.assigned", "job.running", "job.completed");
      }
    } finally {
      await(vertx.undeploy(deployment));
    }
  }

  private String tokenOf(String id) {
    return await(store.getJob(id)).token();
  }

  private static void assertIncreasing(String after, List<Frame> frames) {
    List<String> ids = new ArrayList<>();
    ids.add(after);
    frames.forEach(f -> ids.add(f.id()));
    for (int i = 1; i < ids.size(); i++) {
      assertThat(io.emp.core.events.BrokerEvent.isAfter(ids.get(i), ids.get(i - 1)))
        .as("%s after %s", ids.get(i), ids.get(i - 1)).isTrue();
    }
  }

}
