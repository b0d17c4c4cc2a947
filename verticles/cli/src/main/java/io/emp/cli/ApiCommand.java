package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every {@code emp} subcommand shares: the api, the output writers, {@code --json}, and usage
 * errors that name the command. A subcommand returns its exit code; failures are exceptions that
 * {@link EmpCli} maps to codes.
 */
abstract class ApiCommand implements Callable<Integer> {
  @ParentCommand
  EmpCli cli;

  @Spec
  CommandSpec spec;

  private Api api;

  Api api() {
    if (api == null) {
      api = cli.api(spec);
    }
    return api;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  boolean json() {
    return cli.json();
  }

  /** One JSON document, indented. */
  void printJson(JsonNode n) {
    out().println(Json.pretty(n));
    out().flush();
  }

  /** A usage error of this command: exit code 2, with the message and this command's usage. */
  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
