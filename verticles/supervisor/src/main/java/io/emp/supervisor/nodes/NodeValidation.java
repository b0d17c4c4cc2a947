package io.emp.supervisor.nodes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks of node specs that do not depend on how they were read (the JSON reader and programmatic
 * callers both go through here). Every message names the node and the field.
 */
final class NodeValidation {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,99}");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{7,64}");
  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9._/+@-]+");
  private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private NodeValidation() {
  }

  /** @return every problem found, empty when the specs can be installed */
  static List<String> check(List<NodeSpec> nodes) {
    List<String> errors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (NodeSpec node : nodes) {
      String label = "node \"" + node.name() + "\"";
      if (!seen.add(node.name())) {
        errors.add(label + ": field \"name\" is used by more than one node");
      }
      checkName(node, label, errors);
      checkUrl(node.url(), label, errors);
      checkRefs(node, label, errors);
      checkEnv(node.env(), label, errors);
    }
    checkDependencies(nodes, seen, errors);
    return errors;
  }

  private static void checkName(NodeSpec node, String label, List<String> errors) {
    if (!NAME.matcher(node.name()).matches()) {
      errors.add(label + ": field \"name\" must be a directory name of letters, digits, '.', '_', '-'"
        + " (not starting with '.' or '-', at most 100 characters)");
    }
  }

  private static void checkUrl(String url, String label, List<String> errors) {
    String[] words = url.strip().split("\\s+");
    if (url.isBlank()) {
      errors.add(label + ": field \"url\" is required");
    } else if (words[0].startsWith("-")) {
      errors.add(label + ": field \"url\" holds a clone option (" + words[0] + "); only the repository URL"
        + " is accepted: use \"recursive\", \"branch\", \"commit\"");
    } else if (words.length > 1) {
      errors.add(label + ": field \"url\" has words after the repository URL (\""
        + url.strip().substring(words[0].length()).strip() + "\"); a target directory or clone options are"
        + " not accepted: the directory is \"name\", options are \"recursive\", \"branch\", \"commit\"");
    } else if (url.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      errors.add(label + ": field \"url\" contains a control character");
    }
  }

  private static void checkRefs(NodeSpec node, String label, List<String> errors) {
    String branch = node.branch();
    if (branch != null && (!BRANCH.matcher(branch).matches() || branch.startsWith("-")
      || branch.startsWith("/") || branch.endsWith("/") || branch.contains("..") || branch.endsWith(".lock"))) {
      errors.add(label + ": field \"branch\" is not a valid branch name: \"" + branch + "\"");
    }
    if (node.commit() != null && !COMMIT.matcher(node.commit()).matches()) {
      errors.add(label + ": field \"commit\" must be a commit id of 7 to 64 hex digits, not \""
        + node.commit() + "\"");
    }
  }

  private static void checkEnv(Map<String, String> env, String label, List<String> errors) {
    env.forEach((key, template) -> {
      if (!ENV_KEY.matcher(key).matches()) {
        errors.add(label + ": field \"env\" key \"" + key + "\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
      }
      String problem = template == null ? "is null" : EnvTemplate.syntaxError(template);
      if (problem != null) {
        errors.add(label + ": field \"env." + key + "\": " + problem);
      }
    });
  }

  private static void checkDependencies(List<NodeSpec> nodes, Set<String> names, List<String> errors) {
    for (NodeSpec node : nodes) {
      for (String dep : node.dependsOn()) {
        if (dep.equals(node.name())) {
          errors.add("node \"" + node.name() + "\": field \"depends_on\" names the node itself");
        } else if (!names.contains(dep)) {
          errors.add("node \"" + node.name() + "\": field \"depends_on\" names unknown node \"" + dep + "\"");
        }
      }
    }
    List<String> cycle = DependencyOrder.findCycle(nodes);
    if (!cycle.isEmpty()) {
      errors.add("node \"" + cycle.get(0) + "\": field \"depends_on\" forms a cycle: "
        + cycle.stream().collect(Collectors.joining(" -> ")));
    }
  }
}
