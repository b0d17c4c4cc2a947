package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs git with argv arrays and a deadline per command. Prompts are off (a private or missing
 * repository fails instead of waiting for a password that never comes), and the ssh transport runs
 * in batch mode unless the environment already chose an ssh command.
 */
final class Git {
  private final List<String> command;
  private final Duration timeout;
  private final Map<String, String> env;

  Git(List<String> command, Duration timeout, Map<String, String> processEnv) {
    this.command = List.copyOf(command);
    this.timeout = timeout;
    var extra = new java.util.HashMap<String, String>();
    extra.put("GIT_TERMINAL_PROMPT", "0");
    extra.put("GCM_INTERACTIVE", "never");
    if (!processEnv.containsKey("GIT_SSH_COMMAND") && !processEnv.containsKey("GIT_SSH")) {
      extra.put("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
    this.env = Map.copyOf(extra);
  }

  ProcessRunner.Result run(Path cwd, String... args) throws NodeFailure {
    List<String> argv = new ArrayList<>(command);
    argv.add("-c");
    argv.add("advice.detachedHead=false");
    argv.addAll(List.of(args));
    try {
      return ProcessRunner.run(argv, cwd, env, timeout);
    } catch (IOException e) {
      throw new NodeFailure("cannot run " + command.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeFailure("interrupted during git " + args[0]);
    }
  }

  /** @return the command's trimmed stdout; a non-zero exit or a timeout fails the node */
  String out(Path cwd, String... args) throws NodeFailure {
    ProcessRunner.Result r = run(cwd, args);
    if (r.timedOut()) {
      throw new NodeFailure("git " + args[0] + " timed out after " + timeout.toSeconds() + " s");
    }
    if (r.exitCode() != 0) {
      throw new NodeFailure("git " + args[0] + " failed (exit " + r.exitCode() + "): " + r.tail(3));
    }
    return r.stdout().strip();
  }

  /** @return the trimmed stdout, or null when the command exits non-zero (a timeout still fails) */
  String outOrNull(Path cwd, String... args) throws NodeFailure {
    ProcessRunner.Result r = run(cwd, args);
    if (r.timedOut()) {
      throw new NodeFailure("git " + args[0] + " timed out after " + timeout.toSeconds() + " s");
    }
    return r.exitCode() == 0 ? r.stdout().strip() : null;
  }
}
