package io.emp.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code emp drain <machine>}: {@code POST /api/machines/{id}/drain}. */
@Command(name = "drain", mixinStandardHelpOptions = true,
  header = "Drain a machine.",
  description = "Drain a machine: its workers stop claiming, running jobs finish within the drain grace, "
    + "the rest go back to the queue (no attempt used), then its services stop.")
final class DrainCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "MACHINE", description = "The machine id.")
  String machine;

  @Override
  public Integer call() {
    return MachineCommands.queued(this, api().post("/api/machines/" + Api.segment(machine) + "/drain", null), null);
  }
}
