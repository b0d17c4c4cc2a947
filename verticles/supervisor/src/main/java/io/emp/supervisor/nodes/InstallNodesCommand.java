package io.emp.supervisor.nodes;

import io.emp.core.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code emp-supervisor install-nodes <config.json> [options]}. Exit codes: 0 every non-optional
 * node is installed; 1 at least one is not (each is named); 2 usage or config error, nothing done.
 */
public final class InstallNodesCommand {
  public static final String NAME = "install-nodes";
  static final String USAGE = """
    usage: emp-supervisor install-nodes <config.json> [options]
      --comfyui-dir DIR   ComfyUI root; nodes go to DIR/custom_nodes   (EMP_COMFYUI_DIR, default /opt/ComfyUI)
      --parallel N        nodes cloned/updated at once; pip runs one at a time   (EMP_NODES_PARALLEL, default 5)
      --pip "CMD ARGS"    pip command, run as CMD ARGS install -r requirements.txt   (EMP_PIP, default "python3 -m pip")
      --skip-env          do not write .env files (image builds: keep secrets out of the image)
      --env-only          only write the .env files of installed nodes: no git, no pip (machine start)
      --dry-run           print what would be done; change nothing
    environment: EMP_NODES_GIT_TIMEOUT_S (600) per git command, EMP_NODES_PIP_TIMEOUT_S (3600) per pip run,
    EMP_NODES_GIT (git); ${VAR} in env values is read from the environment""";

  private InstallNodesCommand() {
  }

  /** Parsed command line: null fields keep the environment's defaults. */
  record Args(Path config, Path comfyuiDir, Integer parallel, List<String> pip, boolean dryRun, boolean skipEnv,
    boolean envOnly, boolean help) {
  }

  /**
   * Runs the command; blocks until every node is done.
   *
   * @param args the words after the program name; a leading {@code install-nodes} is skipped
   * @param env the process environment: option defaults and the values of {@code ${VAR}}
   * @return the exit code
   */
  public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    InstallOptions options;
    List<NodeSpec> nodes;
    boolean envOnly;
    try {
      Args parsed = parse(args);
      if (parsed.help()) {
        out.println(USAGE);
        return 0;
      }
      options = options(parsed, env);
      envOnly = parsed.envOnly();
      nodes = NodesConfig.load(parsed.config());
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("install-nodes: " + e.getMessage());
      err.println(USAGE);
      return 2;
    } catch (NodeConfigException e) {
      err.println("install-nodes: invalid node config (nothing was installed):");
      e.errors().forEach(line -> err.println("  " + line));
      return 2;
    }
    return install(nodes, options, envOnly, out, err);
  }

  private static int install(List<NodeSpec> nodes, InstallOptions options, boolean envOnly, PrintStream out,
    PrintStream err) {
    try {
      NodeInstaller installer = new NodeInstaller(options, out);
      InstallResult result = envOnly ? installer.writeEnvFiles(nodes) : installer.install(nodes);
      if (!result.ok()) {
        err.println("install-nodes: FAILED: " + result.failedRequired().size() + " required node(s) not installed: "
          + String.join(", ", result.failedRequired().stream().map(NodeResult::name).toList()));
      }
      return result.exitCode();
    } catch (IOException e) {
      err.println("install-nodes: FAILED: " + e);
      return 1;
    }
  }

  static InstallOptions options(Args a, Map<String, String> env) {
    InstallOptions o = InstallOptions.fromEnv(env).withDryRun(a.dryRun()).withSkipEnv(a.skipEnv());
    if (a.comfyuiDir() != null) {
      o = o.withComfyuiDir(a.comfyuiDir());
    }
    if (a.parallel() != null) {
      o = o.withParallel(a.parallel());
    }
    return a.pip() != null ? o.withPip(a.pip()) : o;
  }

  /** @throws IllegalArgumentException naming the bad word */
  static Args parse(List<String> args) {
    List<String> words = new ArrayList<>();
    for (String word : args) { // --opt=value is the same as --opt value
      int eq = word.indexOf('=');
      boolean joined = word.startsWith("--") && eq > 0;
      words.addAll(joined ? List.of(word.substring(0, eq), word.substring(eq + 1)) : List.of(word));
    }
    if (!words.isEmpty() && words.get(0).equals(NAME)) {
      words.remove(0);
    }
    if (words.contains("-h") || words.contains("--help")) {
      return new Args(null, null, null, null, false, false, false, true);
    }
    Path config = null;
    Path dir = null;
    Integer parallel = null;
    List<String> pip = null;
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      switch (word) {
        case "--dry-run", "--skip-env", "--env-only" -> {
          // flags: read below
        }
        case "--comfyui-dir" -> dir = Path.of(value(words, ++i, word));
        case "--parallel" -> parallel = parallel(value(words, ++i, word));
        case "--pip" -> pip = InstallOptions.splitCommand(value(words, ++i, word));
        default -> config = configFile(config, word);
      }
    }
    if (config == null) {
      throw new IllegalArgumentException("the config file is missing");
    }
    boolean envOnly = words.contains("--env-only");
    if (envOnly && (words.contains("--dry-run") || words.contains("--skip-env"))) {
      throw new IllegalArgumentException("--env-only cannot be combined with --dry-run or --skip-env");
    }
    return new Args(config, dir, parallel, pip, words.contains("--dry-run"), words.contains("--skip-env"), envOnly,
      false);
  }

  private static Path configFile(Path already, String word) {
    if (word.startsWith("-")) {
      throw new IllegalArgumentException("unknown option " + word);
    }
    if (already != null) {
      throw new IllegalArgumentException("one config file expected, got " + already + " and " + word);
    }
    return Path.of(word);
  }

  private static String value(List<String> words, int i, String option) {
    if (i >= words.size()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return words.get(i);
  }

  private static int parallel(String text) {
    try {
      int n = Integer.parseInt(text.strip());
      if (n < 1 || n > InstallOptions.MAX_PARALLEL) {
        throw new IllegalArgumentException("--parallel must be between 1 and " + InstallOptions.MAX_PARALLEL);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--parallel needs a number, not \"" + text + "\"");
    }
  }
}
