package io.emp.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code emp restart <machine> [service]}: {@code POST /api/machines/{id}/restart} or
 * {@code POST /api/machines/{id}/services/{name}/restart}.
 */
@Command(name = "restart", mixinStandardHelpOptions = true,
  header = "Restart a machine or one of its services.",
  description = "Restart one service of a machine (its name as `emp machines <machine>` lists it, e.g. "
    + "comfyui-gpu0), or, without a service, the whole machine: drain its workers, stop every "
    + "service and bootstrap again. The command is queued for the machine's supervisor; its "
    + "outcome arrives as a machine.command_result event.")
final class RestartCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "MACHINE", description = "The machine id.")
  String machine;

  @Parameters(index = "1", arity = "0..1", paramLabel = "SERVICE", description = "The service to restart (default: the whole machine).")
  String service;

  @Override
  public Integer call() {
    String path = "/api/machines/" + Api.segment(machine)
      + (service == null ? "/restart" : "/services/" + Api.segment(service) + "/restart");
    return MachineCommands.queued(this, api().post(path, null), service);
  }
}
