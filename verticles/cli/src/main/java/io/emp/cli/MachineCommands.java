package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The answer to a queued machine command ({@code 202 {command_id, command, machine, status}}). */
final class MachineCommands {
  private MachineCommands() {
  }

  static int queued(ApiCommand command, JsonNode reply, String service) {
    if (command.json()) {
      command.printJson(reply);
    } else {
      command.out().println(reply.path("command").asText() + " " + reply.path("status").asText() + " for "
        + reply.path("machine").asText() + (service == null ? "" : "/" + service) + " (command "
        + reply.path("command_id").asText() + ")");
    }
    return Exit.OK;
  }
}
