package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emp logs <machine> <service>}: {@code GET /api/machines/{id}/services/{name}/logs?lines=N}. */
@Command(name = "logs", mixinStandardHelpOptions = true,
  header = "Tail a service's log on a machine.",
  description = "The last lines of a service's log, fetched from the machine's supervisor (which must "
    + "answer within the api's EMP_COMMAND_TIMEOUT_MS, else exit 3). --json prints {machine, "
    + "service, lines}.")
final class LogsCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "MACHINE", description = "The machine id.")
  String machine;

  @Parameters(index = "1", paramLabel = "SERVICE", description = "The service, as `emp machines <machine>` lists it.")
  String service;

  @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "100", description = "How many lines, 1-5000 (default: ${DEFAULT-VALUE}).")
  int lines;

  @Override
  public Integer call() {
    if (lines < 1 || lines > 5_000) {
      throw usage("--lines must be 1-5000, got " + lines);
    }
    JsonNode r = api().get("/api/machines/" + Api.segment(machine) + "/services/" + Api.segment(service) + "/logs?lines="
      + lines);
    if (json()) {
      printJson(r);
    } else {
      r.path("lines").forEach(l -> out().println(l.asText()));
    }
    return Exit.OK;
  }
}
