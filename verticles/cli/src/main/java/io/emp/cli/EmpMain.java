package io.emp.cli;

import java.io.PrintWriter;

/** {@code java -jar emp-cli.jar <command>}: the {@code emp} tool with the process's environment and streams. */
public final class EmpMain {
  private EmpMain() {
  }

  public static void main(String[] args) {
    System.exit(EmpCli.run(args, System.getenv(), System.console() != null,
      new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }
}
