package io.emp.supervisor;

import io.emp.core.config.EnvConfig;
import io.emp.core.launch.EmpLauncher;
import io.emp.supervisor.nodes.InstallNodesCommand;
import io.emp.supervisor.process.LogCli;
import io.emp.supervisor.process.ProcessConfig;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar emp-supervisor.jar [run]} supervises the machine (configuration from EMP_*
 * variables, docs/supervisor.md); {@code logs <service> [-n N] [-f]} prints a service's log on the
 * machine; {@code install-nodes <config.json>} installs ComfyUI custom nodes (docs/custom-nodes.md).
 */
public final class SupervisorMain {
  private SupervisorMain() {
  }

  public static void main(String[] args) {
    String command = args.length == 0 ? "run" : args[0];
    List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
    switch (command) {
      case "run" -> EmpLauncher.launch("supervisor", env -> List.of(new SupervisorVerticle(env)));
      case "logs" -> System.exit(LogCli.run(ProcessConfig.from(EnvConfig.fromEnvironment()).logDir(), rest, System.out,
        System.err));
      case "install-nodes" -> System.exit(InstallNodesCommand.run(rest, System.getenv(), System.out, System.err));
      case "-h", "--help", "help" -> {
        System.out.println(usage());
        System.exit(0);
      }
      default -> {
        System.err.println("unknown command " + command + "\n" + usage());
        System.exit(2);
      }
    }
  }

  static String usage() {
    return """
      usage: emp-supervisor [run]                          supervise this machine (EMP_* variables)
             emp-supervisor logs <service> [-n N] [-f]     print a service's log
             emp-supervisor install-nodes <config.json>    install ComfyUI custom nodes""";
  }

  /** For tests: the verticle built from an environment. */
  static SupervisorVerticle verticle(EnvConfig env) {
    return new SupervisorVerticle(env);
  }
}
