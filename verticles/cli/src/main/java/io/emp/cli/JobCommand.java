package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code emp job <id>}: one job ({@code GET /api/jobs/{id}}); with {@code --follow}, its events until it
 * ends ({@code GET /api/jobs/{id}/events}), with the job's outcome as the exit code.
 */
@Command(name = "job", mixinStandardHelpOptions = true,
  header = "Show one job, or follow it to its end.",
  description = "One job, with payload and result. --follow streams its events until it ends: a progress "
    + "bar on a terminal, one line per event otherwise, one JSON object per line with --json; the "
    + "exit code is then the job's outcome: 0 completed, 1 failed, 2 cancelled.")
final class JobCommand extends ApiCommand {
  /** Longest payload or result shown in the table; --json prints them whole. */
  private static final int SHOWN = 200;

  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Option(names = {"--follow", "-f"}, description = "Follow the job's events until it completes, fails or is cancelled.")
  boolean follow;

  @Override
  public Integer call() {
    if (follow) {
      return follow(this, id);
    }
    JsonNode job = api().get("/api/jobs/" + Api.segment(id));
    if (json()) {
      printJson(job);
    } else {
      print(out(), job);
    }
    return Exit.OK;
  }

  /** Follows a job with the view the command's output calls for; the exit code of its outcome. */
  static int follow(ApiCommand command, String jobId) {
    JobView.Mode mode = command.json() ? JobView.Mode.JSON : command.cli.tty() ? JobView.Mode.BAR : JobView.Mode.LINES;
    JobView view = new JobView(command.out(), mode);
    String status = JobFollower.follow(command.api(), jobId, view);
    if (mode != JobView.Mode.JSON) {
      view.finish(command.api().get("/api/jobs/" + Api.segment(jobId)));
    }
    return Exit.forJob(status);
  }

  private static void print(PrintWriter out, JsonNode j) {
    long now = System.currentTimeMillis();
    Table t = new Table("FIELD", "VALUE").headless();
    t.row("id", j.path("id").asText());
    t.row("status", j.path("status").asText() + (j.path("cancel_requested").asBoolean() ? " (cancel requested)" : ""));
    t.row("service", j.path("service").asText());
    t.row("pool", Fmt.text(j.path("pool")) + (j.hasNonNull("pool_source") ? " (" + j.path("pool_source").asText() + ")" : ""));
    t.row("class", Fmt.text(j.path("class")));
    t.row("priority", j.path("priority").asInt());
    t.row("attempt", j.path("attempt").asInt() + "/" + j.path("max_attempts").asInt() + ", " + j.path("losses").asInt()
      + " lost to machines");
    t.row("progress", Math.round(j.path("progress").asDouble()) + "%" + (j.hasNonNull("message") ? "  "
      + j.path("message").asText() : ""));
    t.row("worker", Fmt.text(j.path("worker")));
    t.row("submitted", Fmt.clock(j.path("submitted_at").asLong()) + " (" + Fmt.ago(j.get("submitted_at"), now) + " ago)");
    for (String f : List.of("assigned_at", "started_at", "finished_at", "delayed_until")) {
      if (j.hasNonNull(f)) {
        t.row(f.substring(0, f.indexOf('_')), Fmt.clock(j.path(f).asLong()));
      }
    }
    for (String f : List.of("customer_id", "workflow_id", "step_number", "timeout_s", "error", "fail_reason")) {
      if (j.hasNonNull(f)) {
        t.row(f, j.path(f).asText());
      }
    }
    t.row("payload", shown(j.get("payload")));
    t.row("result", shown(j.get("result")));
    t.print(out);
  }

  private static String shown(JsonNode n) {
    if (n == null || n.isNull()) {
      return "-";
    }
    String s = Json.compact(n);
    return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "… (--json for all of it)";
  }
}
