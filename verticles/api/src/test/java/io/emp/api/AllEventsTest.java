package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.api.SseClient.Frame;
import io.emp.core.events.BrokerEvent;
import io.emp.core.model.ClaimedJob;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AllEventsTest extends ApiTestBase {
  private static final String W = "m1-worker-0";
  /** Appends ARGV[2] entries of type ARGV[1] to the stream in one call (job events name job ARGV[3]). */
  private static final String FILL = """
    for i = 1, tonumber(ARGV[2]) do
      redis.call('XADD', KEYS[1], '*', 'type', ARGV[1], 'job', ARGV[3], 'status', 'running', 'progress', tostring(i))
    end
    return redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1]
    """;

  @Override
  Map<String, String> env() {
    Map<String, String> env = super.env();
    env.put("EMP_SSE_KEEPALIVE_MS", "200");
    return env;
  }

  private SseClient open(Map<String, String> extraHeaders) {
    Map<String, String> headers = new HashMap<>(extraHeaders);
    headers.put("Authorization", "Bearer " + TOKEN);
    return SseClient.open(vertx, port, "/api/events", headers);
  }

  @Test
  @DisplayName("a new stream starts with `live`, then sends every job event of every job in order, and stays open")
  void liveEventsOfEveryJob() {
    try (SseClient sse = open(Map.of())) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
      Frame live = sse.nextEvent();
      assertThat(live.event()).isEqualTo("live");
      assertThat(live.json().getLong("replayed")).isZero();

      String a = submit("s");
      String b = submit("t");
      registerWorker(W, "m1", "s");
      ClaimedJob c = claimOne(W);
      await(store.progress(a, W, c.token(), 0, null));
      await(store.complete(a, W, c.token(), "{}"));
      post("/api/jobs/" + b + "/cancel");

      List<Frame> events = next(sse, 6);
      assertThat(events).extracting(f -> f.json().getString("job") + " " + f.event()).containsExactly(
        a + " job.submitted", b + " job.submitted", a + " job.assigned", a + " job.running", a + " job.completed",
        b + " job.cancelled");
      assertIncreasing(live.id(), events);
      events.forEach(f -> assertThat(f.json().getString("id")).isEqualTo(f.id()));
      assertThat(sse.awaitEnd(500)).as("terminal events do not end the namespace stream").isFalse();
      Frame keepAlive = sse.next(2_000);
      assertThat(keepAlive).isNotNull();
      assertThat(keepAlive.comment()).isEqualTo("keep-alive");
    }
  }

  @Test
  @DisplayName("resuming with Last-Event-ID replays the missed job events of all jobs, marks `live`, then sends live ones once")
  void resume() {
    String resumeFrom;
    try (SseClient sse = open(Map.of())) {
      resumeFrom = sse.nextEvent().id();
    }
    String a = submit("s");
    String b = submit("s");
    post("/api/jobs/" + b + "/cancel");
    registerWorker(W, "m1", "s"); // a worker event: in the stream, not in this one

    try (SseClient sse = open(Map.of("Last-Event-ID", resumeFrom))) {
      List<Frame> replayed = next(sse, 3);
      assertThat(replayed).extracting(f -> f.json().getString("job") + " " + f.event())
        .containsExactly(a + " job.submitted", b + " job.submitted", b + " job.cancelled");
      Frame live = sse.nextEvent();
      assertThat(live.event()).isEqualTo("live");
      assertThat(live.json().getLong("replayed")).isEqualTo(3);
      assertThat(BrokerEvent.isAfter(live.id(), replayed.get(2).id()))
        .as("the worker event was read too: the resume point is past it").isTrue();

      post("/api/jobs/" + a + "/cancel");
      Frame cancelled = sse.nextEvent();
      assertThat(cancelled.event()).isEqualTo("job.cancelled");
      assertThat(cancelled.json().getString("job")).isEqualTo(a);
      assertThat(sse.next(500)).as("nothing twice").matches(f -> f == null || f.isComment());
    }
  }

  @Test
  @DisplayName("a resume point in time (<ms>-0) replays from then; a stream nothing was trimmed from needs no reset")
  void resumeFromTime() {
    long before = System.currentTimeMillis() - 60_000;
    String a = submit("s");
    try (SseClient sse = open(Map.of("Last-Event-ID", before + "-0"))) {
      Frame first = sse.nextEvent();
      assertThat(first.event()).isEqualTo("job.submitted");
      assertThat(first.json().getString("job")).isEqualTo(a);
      assertThat(sse.nextEvent().event()).isEqualTo("live");
    }
  }

  @Test
  @DisplayName("a resume whose events may have been trimmed gets `reset` (trimmed), then what the stream still holds")
  void resumeAfterTrim() {
    String resumeFrom;
    try (SseClient sse = open(Map.of())) {
      resumeFrom = sse.nextEvent().id();
    }
    submit("s");
    submit("s");
    String kept = submit("s");
    await(redis.send(Request.cmd(Command.XTRIM).arg(keys.events()).arg("MAXLEN").arg(1)));
    try (SseClient sse = SseClient.open(vertx, port, "/api/events?last_event_id=" + resumeFrom + "&token=" + TOKEN,
      Map.of())) {
      Frame reset = sse.nextEvent();
      assertThat(reset.event()).isEqualTo("reset");
      assertThat(reset.id()).as("a reset does not move the resume point").isNull();
      assertThat(reset.json().getString("reason")).isEqualTo("trimmed");
      assertThat(reset.json().getString("oldest")).isNotNull();
      Frame replayed = sse.nextEvent();
      assertThat(replayed.json().getString("job")).isEqualTo(kept);
      assertThat(sse.nextEvent().event()).isEqualTo("live");
    }
  }

  @Test
  @DisplayName("a long replay (several pages) arrives whole and in order at the pace the client reads")
  void longReplay() {
    String resumeFrom;
    try (SseClient sse = open(Map.of())) {
      resumeFrom = sse.nextEvent().id();
    }
    int n = AllEvents.REPLAY_PAGE * 5 + 17;
    fill("job.progress", n, "01JGZ4Y1N6Q3W8K2V5T7R9M0AB");
    try (SseClient sse = open(Map.of("Last-Event-ID", resumeFrom))) {
      List<Frame> replayed = next(sse, n);
      assertThat(replayed).extracting(f -> f.json().getInteger("progress"))
        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, n).boxed().toList());
      Frame live = sse.nextEvent();
      assertThat(live.event()).isEqualTo("live");
      assertThat(live.json().getLong("replayed")).isEqualTo(n);
    }
  }

  @Test
  @DisplayName("a client further behind than one replay reads gets `reset` (too_far_behind) and continues live")
  void tooFarBehind() {
    String resumeFrom;
    try (SseClient sse = open(Map.of())) {
      resumeFrom = sse.nextEvent().id();
    }
    String missed = submit("s");
    String newest = fill("worker.heartbeat", (int) AllEvents.MAX_REPLAY_SCAN + 10, "");
    try (SseClient sse = open(Map.of("Last-Event-ID", resumeFrom))) {
      Frame first = sse.nextEvent();
      assertThat(first.json().getString("job")).isEqualTo(missed);
      Frame reset = sse.nextEvent();
      assertThat(reset.event()).isEqualTo("reset");
      assertThat(reset.json().getString("reason")).isEqualTo("too_far_behind");
      Frame live = sse.nextEvent();
      assertThat(live.event()).isEqualTo("live");
      assertThat(live.id()).isEqualTo(newest);
      String later = submit("s");
      assertThat(sse.nextEvent().json().getString("job")).isEqualTo(later);
    }
  }

  @Test
  @DisplayName("the namespace stream needs a token (header or ?token=) and refuses a malformed Last-Event-ID")
  void authAndBadResumePoint() {
    try (SseClient sse = SseClient.open(vertx, port, "/api/events", Map.of())) {
      assertThat(sse.status()).isEqualTo(401);
    }
    try (SseClient sse = SseClient.open(vertx, port, "/api/events?token=wrong", Map.of())) {
      assertThat(sse.status()).isEqualTo(403);
    }
    try (SseClient sse = open(Map.of("Last-Event-ID", "yesterday"))) {
      assertThat(sse.status()).isEqualTo(400);
    }
  }

  @Test
  @DisplayName("a client that disconnects releases the namespace stream")
  void disconnectReleases() {
    assertThat(awaitCount(ApiMetrics::openSseStreams, 0)).as("streams of earlier tests are gone").isZero();
    SseClient sse = open(Map.of());
    sse.nextEvent();
    assertThat(ApiMetrics.openSseStreams()).isEqualTo(1);
    sse.close();
    assertThat(awaitCount(ApiMetrics::openSseStreams, 0)).isZero();
  }

  private String fill(String type, int count, String job) {
    return await(redis.send(Request.cmd(Command.EVAL).arg(FILL).arg(1).arg(keys.events()).arg(type).arg(count)
      .arg(job))).toString();
  }

  private static List<Frame> next(SseClient sse, int n) {
    List<Frame> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(sse.nextEvent());
    }
    return out;
  }

  private static void assertIncreasing(String after, List<Frame> frames) {
    String prev = after;
    for (Frame f : frames) {
      assertThat(BrokerEvent.isAfter(f.id(), prev)).as("%s after %s", f.id(), prev).isTrue();
      prev = f.id();
    }
  }
}
