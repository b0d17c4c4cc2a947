package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code emp cancel <id>}: {@code POST /api/jobs/{id}/cancel}. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
  header = "Cancel a job.",
  description = "Cancel a job: a waiting one at once (cancelled), a running one through its worker "
    + "(cancel_requested; it becomes cancelled when the worker reports back). A finished job is "
    + "refused (exit 1).")
final class CancelCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Override
  public Integer call() {
    JsonNode r = api().post("/api/jobs/" + Api.segment(id) + "/cancel", null);
    if (json()) {
      printJson(r);
    } else {
      out().println(r.path("id").asText() + "  " + r.path("status").asText());
    }
    return Exit.OK;
  }
}
