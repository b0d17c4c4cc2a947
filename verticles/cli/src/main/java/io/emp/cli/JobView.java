package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * How a followed job is shown: a progress bar redrawn in place on a terminal, one line per event
 * otherwise, or one JSON object per line ({@code --json}: the {@code state}, then each event's data).
 */
final class JobView implements JobFollower.Listener {
  enum Mode { BAR, LINES, JSON }

  private static final int BAR_WIDTH = 30;
  /** Event fields every line shows elsewhere (or never needs). */
  private static final Set<String> QUIET = Set.of("id", "ts", "type", "job", "status", "prev");

  private final PrintWriter out;
  private final Mode mode;
  private String status = "";
  private double progress;
  private String message = "";
  private int drawn;

  JobView(PrintWriter out, Mode mode) {
    this.out = out;
    this.mode = mode;
  }

  @Override
  public void state(JsonNode job) {
    status = job.path("status").asText();
    progress = job.path("progress").asDouble();
    message = job.path("message").asText("");
    switch (mode) {
      case JSON -> out.println(Json.compact(job));
      case LINES -> out.println(Fmt.clock(System.currentTimeMillis()) + "  state  " + status + "  service="
        + job.path("service").asText() + " priority=" + job.path("priority").asInt()
        + (job.hasNonNull("worker") ? " worker=" + job.path("worker").asText() : ""));
      case BAR -> draw(job.path("id").asText());
    }
    out.flush();
  }

  @Override
  public void event(String type, JsonNode e) {
    if (e.hasNonNull("status")) {
      status = e.path("status").asText();
    }
    if (e.has("progress")) {
      progress = e.path("progress").asDouble();
    }
    if (e.has("message")) {
      message = e.path("message").asText("");
    }
    switch (mode) {
      case JSON -> out.println(Json.compact(e));
      case LINES -> out.println(line(type, e));
      case BAR -> draw(e.path("job").asText());
    }
    out.flush();
  }

  /** After the end: the outcome in one line (the bar's line is finished first). */
  void finish(JsonNode job) {
    if (mode == Mode.JSON) {
      return;
    }
    if (mode == Mode.BAR && drawn > 0) {
      out.println();
    }
    out.println(outcome(job));
    out.flush();
  }

  /** {@code 01J… completed in 5.2s (attempt 1, worker m1-worker-0)}, {@code … failed: boom (max_attempts)}. */
  static String outcome(JsonNode job) {
    String id = job.path("id").asText();
    String st = job.path("status").asText();
    long took = job.path("finished_at").asLong(0) - job.path("submitted_at").asLong(0);
    String attempt = "attempt " + job.path("attempt").asInt() + "/" + job.path("max_attempts").asInt();
    return switch (st) {
      case "completed" -> id + " completed in " + Fmt.duration(took) + " (" + attempt + ", worker "
        + Fmt.text(job.path("worker")) + ")";
      case "failed" -> id + " failed: " + Fmt.text(job.path("error")) + " (" + Fmt.text(job.path("fail_reason")) + ", "
        + attempt + ")";
      case "cancelled" -> id + " cancelled";
      default -> id + " " + st;
    };
  }

  /** {@code 14:03:07.125  job.progress  progress=50 message=sampling worker=m1-worker-0}. */
  static String line(String type, JsonNode e) {
    StringBuilder b = new StringBuilder(Fmt.clock(e.path("ts").asLong(System.currentTimeMillis()))).append("  ")
      .append(type);
    for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!QUIET.contains(f.getKey())) {
        b.append(' ').append(f.getKey()).append('=').append(f.getValue().asText());
      }
    }
    return b.toString();
  }

  private void draw(String id) {
    int filled = (int) Math.round(Math.max(0, Math.min(100, progress)) / 100 * BAR_WIDTH);
    String text = String.format("%s  %-9s [%s%s] %3d%%  %s", id, status, "#".repeat(filled), "-".repeat(BAR_WIDTH - filled),
      Math.round(progress), message);
    String pad = text.length() < drawn ? " ".repeat(drawn - text.length()) : "";
    out.print("\r" + text + pad);
    drawn = text.length();
  }
}
