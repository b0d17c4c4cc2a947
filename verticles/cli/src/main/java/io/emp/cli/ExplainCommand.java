package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code emp explain <id>}: why a job waits ({@code GET /api/jobs/{id}/explain}) — which live workers
 * can run it now, and for every other one the first requirement it misses.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
  header = "Why a job waits: which workers can run it now.",
  description = "Why a job waits: the workers that can run it now (with notes such as a pool fallback or a "
    + "cold model download), and for each other worker the first requirement it misses. --json "
    + "prints the api's explanation {job, sig, service, pool, class, workers: [...]}.")
final class ExplainCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Override
  public Integer call() {
    JsonNode e = api().get("/api/jobs/" + Api.segment(id) + "/explain");
    if (json()) {
      printJson(e);
      return Exit.OK;
    }
    JsonNode job = api().get("/api/jobs/" + Api.segment(id));
    print(out(), job, e);
    return Exit.OK;
  }

  private static void print(PrintWriter out, JsonNode job, JsonNode e) {
    String status = job.path("status").asText();
    out.printf("job %s: service %s, pool %s, class %s — %s%s%n", e.path("job").asText(), e.path("service").asText(),
      e.path("pool").asText("").isEmpty() ? "any" : e.path("pool").asText(), Fmt.text(e.path("class")), status,
      status.equals("queued") ? " for " + Fmt.ago(job.get("submitted_at"), System.currentTimeMillis())
        : job.hasNonNull("worker") ? " on " + job.path("worker").asText() : "");
    int online = 0;
    int matchOnline = 0;
    Table t = new Table("WORKER", "MACHINE", "STATUS", "CAN RUN", "WHY NOT / NOTE");
    for (JsonNode w : e.path("workers")) {
      boolean live = "online".equals(w.path("status").asText());
      boolean match = w.path("match").asBoolean();
      online += live ? 1 : 0;
      matchOnline += live && match ? 1 : 0;
      t.row(w.path("id").asText(), w.path("machine").asText(), w.path("status").asText(), match ? "yes" : "no",
        match ? w.path("note").asText("") : w.path("reason").asText(""));
    }
    if (matchOnline == 0) {
      out.printf("no live worker can run it now (%d online)%s%n", online,
        e.path("workers").isEmpty() ? ": no worker is registered" : "");
    } else {
      out.printf("%d of %d online workers can run it now%n", matchOnline, online);
    }
    if (!t.isEmpty()) {
      out.println();
      t.print(out);
    }
  }
}
