package io.emp.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code emp}: the broker's command-line tool (docs/cli.md). It talks to the api only, with the
 * operator's bearer token, and prints compact tables for people or the api's JSON for scripts
 * ({@code --json}). Every outcome is an exit code ({@link Exit}).
 *
 * <p>The environment and whether stdout is a terminal are passed in rather than read globally, so
 * tests run commands in-process exactly as the shell does.
 */
@Command(name = "emp", mixinStandardHelpOptions = true, versionProvider = EmpCli.Version.class,
  description = "Operate an emp-job-queue broker through its api: fleet and queue status, jobs, why a job waits,"
    + " machines, logs and live events.",
  subcommands = {StatusCommand.class, JobsCommand.class, JobCommand.class, ExplainCommand.class, SubmitCommand.class,
    CancelCommand.class, RetryCommand.class, MachinesCommand.class, RestartCommand.class, DrainCommand.class,
    LogsCommand.class, EventsCommand.class, CommandLine.HelpCommand.class},
  exitCodeListHeading = "%nExit codes:%n",
  exitCodeList = {
    "0:done; a followed job completed",
    "1:a followed job failed, or the api refused the command (4xx)",
    "2:usage error; a followed job was cancelled",
    "3:cannot reach the api, or it answered 5xx",
    "4:the api refused the token (401/403)"},
  footer = {"%nEnvironment: EMP_API_URL (default " + EmpCli.DEFAULT_URL + "), EMP_API_TOKEN.",
    "Reference: docs/cli.md"})
public final class EmpCli implements Callable<Integer> {
  static final String DEFAULT_URL = "http://localhost:3331";

  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
    description = "The api's base URL (default: $EMP_API_URL, else " + DEFAULT_URL + ").")
  String url;

  @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
    description = "The api's bearer token (default: $EMP_API_TOKEN).")
  String token;

  @Option(names = "--json", scope = ScopeType.INHERIT,
    description = "Print the api's JSON instead of tables (streams: one JSON object per line).")
  boolean json;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;
  private final boolean tty;

  private EmpCli(Map<String, String> env, boolean tty) {
    this.env = env;
    this.tty = tty;
  }

  /**
   * The command line, ready to {@link CommandLine#execute}: {@code env} supplies {@code EMP_API_URL} and
   * {@code EMP_API_TOKEN}; {@code tty} says whether stdout is a terminal (progress bars instead of
   * lines). Output goes to the writers set with {@code setOut}/{@code setErr}.
   */
  public static CommandLine commandLine(Map<String, String> env, boolean tty) {
    CommandLine cl = new CommandLine(new EmpCli(env, tty));
    cl.setExecutionExceptionHandler(EmpCli::onError);
    cl.setParameterExceptionHandler(EmpCli::onUsageError);
    return cl;
  }

  /** Runs one command line with the given output writers; returns the exit code. */
  public static int run(String[] args, Map<String, String> env, boolean tty, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine(env, tty);
    cl.setOut(out);
    cl.setErr(err);
    try {
      return cl.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** {@code emp} alone is a usage error: the usage lists the commands. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing command");
  }

  /** The api as configured by {@code --url}/{@code --token}, else the environment; usage errors name {@code where}. */
  Api api(CommandSpec where) {
    String base = first(url, env.get("EMP_API_URL"), DEFAULT_URL).strip();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(base);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(where.commandLine(), "--url: not a URL: " + base);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new ParameterException(where.commandLine(), "--url: expected http(s)://host[:port], got " + base);
    }
    return new Api(base, first(token, env.get("EMP_API_TOKEN"), null));
  }

  boolean json() {
    return json;
  }

  boolean tty() {
    return tty;
  }

  private static String first(String a, String b, String fallback) {
    if (a != null && !a.isBlank()) {
      return a;
    }
    return b != null && !b.isBlank() ? b : fallback;
  }

  /** A usage error: the message, suggestions for a mistyped command or option, then the command's usage. */
  private static int onUsageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("emp: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println();
    cl.usage(err);
    return Exit.USAGE;
  }

  /** Failures of a command: the api's message and field on stderr, and the matching exit code. */
  private static int onError(Exception e, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if (e instanceof ApiException a) {
      err.println("emp: " + a.describe());
      if (a.exitCode() == Exit.AUTH) {
        err.println("emp: check --token or EMP_API_TOKEN");
      }
      return a.exitCode();
    }
    if (e instanceof UnreachableException u) {
      err.println("emp: " + u.getMessage());
      return Exit.UNREACHABLE;
    }
    err.println("emp: unexpected error: " + e);
    return Exit.FAILED;
  }

  /** {@code emp --version}: the build's version, from a resource Maven filters. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = EmpCli.class.getResourceAsStream("/emp-cli.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException ignored) {
        // unknown version
      }
      return new String[] {"emp " + p.getProperty("version", "unknown")};
    }
  }
}
