package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code emp retry <id>}: {@code POST /api/jobs/{id}/retry}. */
@Command(name = "retry", mixinStandardHelpOptions = true,
  header = "Retry a failed or cancelled job.",
  description = "Queue a failed or cancelled job again with its attempts reset. Any other status is refused (exit 1).")
final class RetryCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Override
  public Integer call() {
    JsonNode r = api().post("/api/jobs/" + Api.segment(id) + "/retry", null);
    if (json()) {
      printJson(r);
    } else {
      out().println(r.path("id").asText() + "  " + r.path("status").asText());
    }
    return Exit.OK;
  }
}
