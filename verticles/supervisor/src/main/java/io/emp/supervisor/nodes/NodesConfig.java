package io.emp.supervisor.nodes;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the custom-node config: a JSON array of nodes, or an object holding it under {@code nodes}
 * ({@code custom_nodes}, the original {@code config_nodes.json} key, is read too). Every node is
 * checked before anything is installed; all problems are reported at once.
 */
public final class NodesConfig {
  static final Set<String> FIELDS = Set.of("name", "url", "branch", "commit", "recursive", "requirements",
    "env", "optional", "depends_on");
  private static final Pattern GIT_CLONE = Pattern.compile("^git\\s+clone\\s+");

  private NodesConfig() {
  }

  /** Reads and validates a config file. */
  public static List<NodeSpec> load(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (java.nio.charset.CharacterCodingException e) {
      // the bare exception says only "Input length = 1" (found by NodesConfigFuzzTest)
      throw new NodeConfigException(List.of("cannot read node config " + file + ": not valid UTF-8"));
    } catch (IOException e) {
      throw new NodeConfigException(List.of("cannot read node config " + file + ": " + e.getMessage()));
    }
  }

  /** Parses and validates config text. @throws NodeConfigException listing every problem */
  public static List<NodeSpec> parse(String json) {
    JsonArray array = nodesArray(json);
    List<String> errors = new ArrayList<>();
    List<NodeSpec> nodes = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      if (item instanceof JsonObject node) {
        NodeSpec spec = readNode(node, i, errors);
        if (spec != null) {
          nodes.add(spec);
        }
      } else {
        errors.add("node #" + (i + 1) + ": must be an object, not " + describe(item));
      }
    }
    errors.addAll(NodeValidation.check(nodes));
    if (!errors.isEmpty()) {
      throw new NodeConfigException(errors);
    }
    return List.copyOf(nodes);
  }

  private static JsonArray nodesArray(String json) {
    Object root;
    try {
      root = Json.decodeValue(json);
    } catch (DecodeException e) {
      throw new NodeConfigException(List.of("node config is not valid JSON: " + e.getMessage()));
    }
    if (root instanceof JsonArray array) {
      return array;
    }
    if (root instanceof JsonObject object) {
      if (object.containsKey("nodes") && object.containsKey("custom_nodes")) {
        throw new NodeConfigException(List.of("node config has both \"nodes\" and \"custom_nodes\": keep one"));
      }
      Object nodes = object.containsKey("nodes") ? object.getValue("nodes") : object.getValue("custom_nodes");
      if (nodes instanceof JsonArray array) {
        return array;
      }
    }
    throw new NodeConfigException(List.of(
      "node config must be a JSON array of nodes or an object {\"nodes\": [...]}"));
  }

  private static NodeSpec readNode(JsonObject node, int index, List<String> errors) {
    String label = node.getValue("name") instanceof String s && !s.isBlank()
      ? "node \"" + s.strip() + "\"" : "node #" + (index + 1);
    Fields f = new Fields(node, label, errors);
    String url = f.string("url");
    String name = f.string("name");
    for (String key : node.fieldNames()) {
      if (!FIELDS.contains(key)) {
        errors.add(label + ": unknown field \"" + key + "\"" + ("custom_script".equals(key)
          ? " (shell scripts are not run by the installer; do that step in the image build)" : ""));
      }
    }
    if (url == null) {
      if (!node.containsKey("url")) {
        errors.add(label + ": field \"url\" is required");
      }
      return null;
    }
    url = GIT_CLONE.matcher(url.strip()).replaceFirst("");
    if (name == null && !node.containsKey("name")) {
      name = nameFromUrl(url);
      if (name == null) {
        errors.add(label + ": field \"name\" is missing and cannot be derived from url \"" + url + "\"");
        return null;
      }
    }
    if (name == null) {
      return null;
    }
    NodeSpec spec = new NodeSpec(name, url, f.string("branch"), lower(f.string("commit")),
      f.bool("recursive", false), f.bool("requirements", true), f.env(), f.bool("optional", false),
      f.names("depends_on"));
    return f.ok ? spec : null;
  }

  /** The url's last path segment without {@code .git}: {@code https://x/a/Node.git} gives {@code Node}. */
  static String nameFromUrl(String url) {
    String u = url.strip();
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    int cut = Math.max(u.lastIndexOf('/'), u.lastIndexOf(':'));
    String last = u.substring(cut + 1);
    if (last.endsWith(".git")) {
      last = last.substring(0, last.length() - 4);
    }
    return last.isEmpty() || last.contains(" ") ? null : last;
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(java.util.Locale.ROOT);
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    return value instanceof String ? "a string" : value instanceof Boolean ? "a boolean" : "a number";
  }

  /** Typed reads of one node's fields; a wrong type adds an error naming node and field. */
  private static final class Fields {
    private final JsonObject node;
    private final String label;
    private final List<String> errors;
    private boolean ok = true;

    Fields(JsonObject node, String label, List<String> errors) {
      this.node = node;
      this.label = label;
      this.errors = errors;
    }

    String string(String field) {
      Object v = node.getValue(field);
      if (v == null) {
        return null;
      }
      if (v instanceof String s && !s.isBlank()) {
        return s.strip();
      }
      return fail(field, "must be a non-empty string, not " + (v instanceof String ? "blank" : describe(v)));
    }

    boolean bool(String field, boolean fallback) {
      Object v = node.getValue(field);
      if (v == null) {
        return fallback;
      }
      if (v instanceof Boolean b) {
        return b;
      }
      fail(field, "must be true or false, not " + describe(v));
      return fallback;
    }

    Map<String, String> env() {
      Object v = node.getValue("env");
      Map<String, String> env = new LinkedHashMap<>();
      if (v == null) {
        return env;
      }
      if (!(v instanceof JsonObject object)) {
        return fail("env", "must be an object of KEY: \"value\", not " + describe(v));
      }
      object.forEach(e -> {
        if (e.getValue() instanceof String s) {
          env.put(e.getKey(), s);
        } else {
          fail("env." + e.getKey(), "must be a string, not " + describe(e.getValue()));
        }
      });
      return env;
    }

    List<String> names(String field) {
      Object v = node.getValue(field);
      List<String> names = new ArrayList<>();
      if (v == null) {
        return names;
      }
      if (!(v instanceof JsonArray array)) {
        return fail(field, "must be an array of node names, not " + describe(v));
      }
      for (Object item : array) {
        if (item instanceof String s && !s.isBlank()) {
          names.add(s.strip());
        } else {
          fail(field, "must hold node names (strings), found " + describe(item));
        }
      }
      return names;
    }

    private <T> T fail(String field, String problem) {
      errors.add(label + ": field \"" + field + "\" " + problem);
      ok = false;
      return null;
    }
  }
}
