package io.emp.supervisor.nodes;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How {@link NodeInstaller} runs. {@link #fromEnv} reads the {@code EMP_*} defaults; the CLI
 * options override them.
 *
 * @param comfyuiDir ComfyUI root; nodes go to {@code <comfyuiDir>/custom_nodes/<name>}
 * @param parallel nodes worked on at once (clone, fetch, checkout); pip always runs one at a time
 * @param pip the pip command as argv, e.g. {@code [python3, -m, pip]}; {@code install -r requirements.txt} is appended
 * @param git the git command as argv
 * @param gitTimeout deadline of each git command
 * @param pipTimeout deadline of each pip install
 * @param dryRun print what would be done, change nothing
 * @param skipEnv do not write {@code .env} files (image builds: secrets stay out of the image)
 * @param env variables for {@code ${VAR}} in the nodes' {@code env} values
 */
public record InstallOptions(Path comfyuiDir, int parallel, List<String> pip, List<String> git,
  Duration gitTimeout, Duration pipTimeout, boolean dryRun, boolean skipEnv, Map<String, String> env) {

  public static final String DEFAULT_COMFYUI_DIR = "/opt/ComfyUI";
  public static final int DEFAULT_PARALLEL = 5;
  public static final String DEFAULT_PIP = "python3 -m pip";
  public static final String DEFAULT_GIT = "git";
  public static final int DEFAULT_GIT_TIMEOUT_S = 600;
  public static final int DEFAULT_PIP_TIMEOUT_S = 3600;
  static final int MAX_PARALLEL = 64;

  public InstallOptions {
    if (parallel < 1 || parallel > MAX_PARALLEL) {
      throw new ConfigException("parallel must be between 1 and " + MAX_PARALLEL + ", not " + parallel);
    }
    if (pip.isEmpty() || git.isEmpty()) {
      throw new ConfigException("the pip and git commands must not be empty");
    }
    pip = List.copyOf(pip);
    git = List.copyOf(git);
    env = Map.copyOf(env);
  }

  /**
   * Defaults from {@code EMP_COMFYUI_DIR}, {@code EMP_NODES_PARALLEL}, {@code EMP_PIP},
   * {@code EMP_NODES_GIT}, {@code EMP_NODES_GIT_TIMEOUT_S}, {@code EMP_NODES_PIP_TIMEOUT_S}; the
   * same map feeds {@code ${VAR}}.
   *
   * @throws ConfigException naming the variable with a bad value
   */
  public static InstallOptions fromEnv(Map<String, String> env) {
    EnvConfig c = EnvConfig.of(env);
    return new InstallOptions(
      Path.of(c.string("EMP_COMFYUI_DIR", DEFAULT_COMFYUI_DIR)),
      c.integer("EMP_NODES_PARALLEL", DEFAULT_PARALLEL, 1, MAX_PARALLEL),
      command("EMP_PIP", c.string("EMP_PIP", DEFAULT_PIP)),
      command("EMP_NODES_GIT", c.string("EMP_NODES_GIT", DEFAULT_GIT)),
      Duration.ofSeconds(c.integer("EMP_NODES_GIT_TIMEOUT_S", DEFAULT_GIT_TIMEOUT_S, 1, 86_400)),
      Duration.ofSeconds(c.integer("EMP_NODES_PIP_TIMEOUT_S", DEFAULT_PIP_TIMEOUT_S, 1, 86_400)),
      false, false, env);
  }

  /** Without the environment's values: it holds the secrets for {@code .env} files. */
  @Override
  public String toString() {
    return "InstallOptions[comfyuiDir=" + comfyuiDir + ", parallel=" + parallel + ", pip=" + pip + ", git=" + git
      + ", gitTimeout=" + gitTimeout + ", pipTimeout=" + pipTimeout + ", dryRun=" + dryRun + ", skipEnv=" + skipEnv
      + ", env=(" + env.size() + " variables)]";
  }

  public Path customNodesDir() {
    return comfyuiDir.resolve("custom_nodes");
  }

  public InstallOptions withComfyuiDir(Path value) {
    return new InstallOptions(value, parallel, pip, git, gitTimeout, pipTimeout, dryRun, skipEnv, env);
  }

  public InstallOptions withParallel(int value) {
    return new InstallOptions(comfyuiDir, value, pip, git, gitTimeout, pipTimeout, dryRun, skipEnv, env);
  }

  public InstallOptions withPip(List<String> value) {
    return new InstallOptions(comfyuiDir, parallel, value, git, gitTimeout, pipTimeout, dryRun, skipEnv, env);
  }

  public InstallOptions withGit(List<String> value) {
    return new InstallOptions(comfyuiDir, parallel, pip, value, gitTimeout, pipTimeout, dryRun, skipEnv, env);
  }

  public InstallOptions withGitTimeout(Duration value) {
    return new InstallOptions(comfyuiDir, parallel, pip, git, value, pipTimeout, dryRun, skipEnv, env);
  }

  public InstallOptions withDryRun(boolean value) {
    return new InstallOptions(comfyuiDir, parallel, pip, git, gitTimeout, pipTimeout, value, skipEnv, env);
  }

  public InstallOptions withSkipEnv(boolean value) {
    return new InstallOptions(comfyuiDir, parallel, pip, git, gitTimeout, pipTimeout, dryRun, value, env);
  }

  public InstallOptions withEnv(Map<String, String> value) {
    return new InstallOptions(comfyuiDir, parallel, pip, git, gitTimeout, pipTimeout, dryRun, skipEnv, value);
  }

  private static List<String> command(String variable, String line) {
    try {
      return splitCommand(line);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(variable + ": " + e.getMessage());
    }
  }

  /**
   * Splits a command line into argv without a shell: words separated by blanks, {@code '...'} and
   * {@code "..."} group words with blanks; nothing is expanded.
   */
  public static List<String> splitCommand(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated " + quote + " in command: " + line);
    }
    if (inWord) {
      words.add(word.toString());
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    return words;
  }
}
