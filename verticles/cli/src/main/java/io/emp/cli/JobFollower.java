package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * Follows one job to its end over {@code GET /api/jobs/{id}/events}: the {@code state} first, then every
 * event. A dropped connection is resumed with {@code Last-Event-ID}, so nothing is missed or repeated;
 * when the first connection fails, or {@value #MAX_RECONNECTS} reconnections in a row, the api counts as
 * unreachable.
 */
final class JobFollower {
  static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled");
  static final int MAX_RECONNECTS = 5;

  /** What the follower reports, in stream order. */
  interface Listener {
    /** The job as it is (first), or as it ended when a resume had nothing left to send. */
    void state(JsonNode job);

    /** One event of the job ({@code job.running}, {@code job.progress}, …). */
    void event(String type, JsonNode event);
  }

  private JobFollower() {
  }

  /** Follows until the job is completed, failed or cancelled; returns that status. */
  static String follow(Api api, String jobId, Listener listener) {
    String path = "/api/jobs/" + Api.segment(jobId) + "/events";
    String last = null;
    int failures = 0;
    boolean connected = false;
    while (true) {
      try (EventStream stream = api.stream(path, last)) {
        connected = true;
        if (stream == null) { // 204: it ended and we saw everything up to the end
          JsonNode job = api.get("/api/jobs/" + Api.segment(jobId));
          listener.state(job);
          return job.path("status").asText();
        }
        failures = 0;
        for (SseEvent e = stream.next(-1); e != null; e = stream.next(-1)) {
          last = e.id() != null ? e.id() : last;
          String ended = deliver(e, listener);
          if (ended != null) {
            return ended;
          }
        }
      } catch (UnreachableException ex) {
        if (!connected || ++failures > MAX_RECONNECTS) { // only a stream that worked is worth resuming
          throw ex;
        }
      }
      pause(Math.min(5_000, 200L << Math.min(failures, 5)));
    }
  }

  /** Hands one frame to the listener; the final status when it ended the job, else null. */
  private static String deliver(SseEvent e, Listener listener) {
    JsonNode data = Json.parse(e.data());
    if (e.event().equals("state")) {
      listener.state(data);
      String status = data.path("status").asText();
      return TERMINAL.contains(status) ? status : null;
    }
    listener.event(e.event(), data);
    String status = data.path("status").asText();
    return e.event().startsWith("job.") && TERMINAL.contains(status) && e.event().equals("job." + status) ? status : null;
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnreachableException("interrupted", e);
    }
  }
}
