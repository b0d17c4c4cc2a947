package io.emp.supervisor.nodes;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One custom node as the config file asks for it, already validated by {@link NodesConfig}: the name
 * is a safe directory name, the url carries no {@code git clone} prefix, the commit is hex, every
 * {@code env} template parses and every {@code depends_on} name exists.
 *
 * @param name directory under {@code custom_nodes/}
 * @param url git URL, passed to git as one argv element
 * @param branch branch to track, or null for the remote's default branch
 * @param commit commit to check out (7–64 hex digits, lower case), or null; wins over {@code branch}
 * @param recursive check out submodules
 * @param requirements run {@code pip install -r requirements.txt} when the file exists
 * @param env {@code .env} entries: key to template ({@code ${VAR}}, {@code ${VAR:-default}}, literal text)
 * @param optional a failure of this node is reported but does not fail the run
 * @param dependsOn names of nodes installed (clone and pip) before this one
 */
public record NodeSpec(
  String name,
  String url,
  String branch,
  String commit,
  boolean recursive,
  boolean requirements,
  Map<String, String> env,
  boolean optional,
  List<String> dependsOn) {

  public NodeSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    env = env == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(env));
    dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
  }

  /** The url for terminals and the manifest: credentials in {@code https://user:token@host/...} masked. */
  public String redactedUrl() {
    return redact(url);
  }

  static String redact(String url) {
    return url == null ? null : url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1***@");
  }

  /** A node tracking the default branch, with requirements on, no env, not optional, no dependencies. */
  public static NodeSpec of(String name, String url) {
    return new NodeSpec(name, url, null, null, false, true, Map.of(), false, List.of());
  }

  public NodeSpec withBranch(String value) {
    return new NodeSpec(name, url, value, commit, recursive, requirements, env, optional, dependsOn);
  }

  public NodeSpec withCommit(String value) {
    return new NodeSpec(name, url, branch, value, recursive, requirements, env, optional, dependsOn);
  }

  public NodeSpec withRecursive(boolean value) {
    return new NodeSpec(name, url, branch, commit, value, requirements, env, optional, dependsOn);
  }

  public NodeSpec withRequirements(boolean value) {
    return new NodeSpec(name, url, branch, commit, recursive, value, env, optional, dependsOn);
  }

  public NodeSpec withEnv(Map<String, String> value) {
    return new NodeSpec(name, url, branch, commit, recursive, requirements, value, optional, dependsOn);
  }

  public NodeSpec withOptional(boolean value) {
    return new NodeSpec(name, url, branch, commit, recursive, requirements, env, value, dependsOn);
  }

  public NodeSpec withDependsOn(List<String> value) {
    return new NodeSpec(name, url, branch, commit, recursive, requirements, env, optional, value);
  }
}
