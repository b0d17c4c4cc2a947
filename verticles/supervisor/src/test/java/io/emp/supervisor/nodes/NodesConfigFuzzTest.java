package io.emp.supervisor.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Hostile custom-node installer configs (docs/security.md#hostile-input): valid configs mutated
 * (wrong types, nulls, huge numbers, clone options and shell words in urls, path traversal in names,
 * bad refs and env templates, unknown fields, duplicate names, dependency cycles), damaged JSON,
 * non-array documents, deep nesting, invalid UTF-8 files. Every config is either accepted — and then
 * every node is safe to hand to git (a plain directory name, a url that is one word and no option)
 * — or refused by {@link NodeConfigException} whose every line names the node (and the field); through
 * the CLI a refused config exits 2 and installs nothing.
 *
 * <p>Knobs: {@code -Demp.fuzz.seed} (default 20261128), {@code -Demp.fuzz.count} (default
 * {@value #DEFAULT_COUNT}), {@code -Demp.fuzz.case}.
 */
class NodesConfigFuzzTest extends InstallerTestBase {
  static final int DEFAULT_COUNT = 3_000;
  private static final long SEED = Long.getLong("emp.fuzz.seed", 20261128L);
  private static final Integer ONLY = Integer.getInteger("emp.fuzz.case");
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,99}");
  private static final String[] HOSTILE = {"", " ", "\n", "x\nINFO forged", "\u0000", "\u001b[31m", "é", "😀",
    "..", "../x", "../../etc", ".git", "a/b", "a\\b", "-x", "--upload-pack=touch /tmp/pwned", "-c core.x=y",
    "https://h/a --depth 1", "https://h/a target-dir", "git clone https://h/a", "git clone --recursive https://h/a",
    "ext::sh -c touch% /tmp/pwned", "file:///etc", "https://h/a\nb", "https://h/a\u0000", "https://h/", "https://h/.git",
    "main", "a..b", "refs/heads/x.lock", "/abs", "trailing/", "0123456", "abcdefg", "ABCDEF0", "g".repeat(7),
    "0".repeat(65), "${X}", "${", "${X:-}", "$${X}", "$(id)", "`id`", "k".repeat(101), "k".repeat(5000), "null",
    "true", "1", "{}", "[]"};
  private static final List<String> FIELDS = List.copyOf(NodesConfig.FIELDS);

  private final Map<String, Integer> outcomes = new TreeMap<>();

  @Test
  @DisplayName("hostile node configs: accepted only when safe for git, else refused naming node and field; exit 2,"
    + " nothing installed")
  void hostileConfigs() throws IOException {
    int count = Integer.getInteger("emp.fuzz.count", DEFAULT_COUNT);
    List<String> failures = new ArrayList<>();
    long started = System.currentTimeMillis();
    for (int i = ONLY != null ? ONLY : 0; i < (ONLY != null ? ONLY + 1 : count); i++) {
      Random r = new Random(SEED * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L);
      String what = "?";
      byte[] config = null;
      try {
        Object[] c = generate(r);
        what = (String) c[0];
        config = (byte[]) c[1];
        judge(config, i % 15 == 0);
      } catch (Throwable t) {
        String line = "case " + i + " " + what + " "
          + io.emp.core.LogSafe.of(config == null ? "" : new String(config, StandardCharsets.UTF_8), 160) + ": " + t;
        System.out.println("FUZZ FAILURE " + line + "\n    replay: -Dtest=NodesConfigFuzzTest -Demp.fuzz.seed=" + SEED
          + " -Demp.fuzz.case=" + i);
        if (failures.size() < 25) {
          failures.add(line);
        }
      }
    }
    System.out.printf("NodesConfigFuzzTest: %d configs (seed %d) in %d ms; outcomes %s%n", count, SEED,
      System.currentTimeMillis() - started, outcomes);
    assertThat(failures).as("failed cases (seed %d)", SEED).isEmpty();
  }

  private void judge(byte[] config, boolean throughCli) throws IOException {
    Path file = Files.write(tmp.resolve("nodes.json"), config);
    List<NodeSpec> nodes;
    try {
      nodes = NodesConfig.load(file);
    } catch (NodeConfigException e) {
      assertThat(e.errors()).as("problems").isNotEmpty();
      for (String line : e.errors()) {
        assertThat(line).as("a problem names the node or the config: %s", io.emp.core.LogSafe.of(line, 200))
          .matches("(?s)(node |cannot read node config ).*");
        if (line.startsWith("node \"") || line.startsWith("node #")) {
          assertThat(line).as("a node problem names the field").containsAnyOf("field \"", "must be an object");
        }
        String what = line.replaceFirst("^node (\"[^\"]*\"|#\\d+): ", "")
          .replaceFirst("(?s)^field \"([a-z_]+).*", "$1")
          .replaceFirst("(?s)^(node config|unknown field|cannot read|must be).*", "$1");
        outcomes.merge("refused:" + (what.length() > 24 ? "other" : what), 1, Integer::sum);
      }
      if (throughCli) {
        assertThat(cli(file.toString(), "--skip-env")).as("exit code of a refused config: %s", output()).isEqualTo(2);
        assertThat(output()).contains("nothing was installed");
        assertThat(comfy).as("nothing installed").doesNotExist();
      }
      return;
    }
    outcomes.merge("accepted", 1, Integer::sum);
    for (NodeSpec n : nodes) {
      assertThat(n.name()).as("a plain directory name").matches(SAFE_NAME).isNotIn(".", "..");
      assertThat(n.url()).as("one word, no option, no control character").doesNotStartWith("-")
        .doesNotContainPattern("\\s").doesNotContainPattern("\\p{Cntrl}");
      if (n.branch() != null) {
        assertThat(n.branch()).doesNotStartWith("-").doesNotContain("..");
      }
      if (n.commit() != null) {
        assertThat(n.commit()).matches("[0-9a-f]{7,64}");
      }
      n.env().keySet().forEach(k -> assertThat(k).matches("[A-Za-z_][A-Za-z0-9_]*"));
    }
  }

  // --- generating ------------------------------------------------------------------------------------

  private Object[] generate(Random r) {
    int dice = r.nextInt(100);
    if (dice < 65) {
      JsonArray nodes = valid(r);
      List<String> did = new ArrayList<>();
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        did.add(mutate(r, nodes));
      }
      Object doc = r.nextInt(4) == 0 ? new JsonObject().put(pick(r, "nodes", "custom_nodes"), nodes) : nodes;
      String text = doc instanceof JsonObject o ? o.encode() : ((JsonArray) doc).encode();
      return new Object[] {"mutated " + did, text.getBytes(StandardCharsets.UTF_8)};
    }
    String text = switch (r.nextInt(9)) {
      case 0 -> pick(r, "", " ", "null", "1", "\"x\"", "{}", "{\"nodes\":{}}", "{\"nodes\":null}", "[null]", "[[]]",
        "[1,true,\"x\"]", "{\"nodes\":[],\"custom_nodes\":[]}");
      case 1 -> "[" + "[".repeat(pick(r, 10, 999, 1_001, 50_000)) + "]".repeat(10) + "]";
      case 2 -> "[{\"url\":\"https://h/a\",\"env\":" + "{\"A\":".repeat(pick(r, 3, 600)) + "\"x\"" + "}".repeat(pick(r, 3, 600))
        + "}]";
      case 3 -> "[{\"url\":\"https://h/a\",\"url\":\"https://h/b\"}]";
      case 4 -> "[{\"url\":\"https://h/a\",\"recursive\":" + pick(r, "1e999", "NaN", "0x1", "1" + "0".repeat(400)) + "}]";
      default -> damage(r, valid(r).encode());
    };
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (r.nextInt(5) == 0 && bytes.length > 2) {
      bytes[1 + r.nextInt(bytes.length - 2)] = (byte) pick(r, 0xC0, 0xFF, 0x80, 0xED).intValue();
    }
    return new Object[] {"text", bytes};
  }

  private static JsonArray valid(Random r) {
    JsonArray nodes = new JsonArray();
    int n = 1 + r.nextInt(4);
    for (int k = 0; k < n; k++) {
      JsonObject node = new JsonObject().put("url", "https://github.com/owner/Node-" + k + (r.nextBoolean() ? ".git" : ""));
      if (r.nextBoolean()) {
        node.put("name", "Node-" + k);
      }
      if (r.nextInt(3) == 0) {
        node.put(r.nextBoolean() ? "branch" : "commit", r.nextBoolean() ? "main" : "0123abcd");
      }
      if (r.nextInt(3) == 0) {
        node.put("recursive", r.nextBoolean()).put("requirements", r.nextBoolean()).put("optional", r.nextBoolean());
      }
      if (r.nextInt(3) == 0) {
        node.put("env", new JsonObject().put("API_KEY", "${EMP_SECRET:-none}").put("MODE", "fast"));
      }
      if (k > 0 && r.nextInt(3) == 0) {
        node.put("depends_on", new JsonArray().add("Node-0"));
      }
      nodes.add(node);
    }
    return nodes;
  }

  private static String mutate(Random r, JsonArray nodes) {
    if (r.nextInt(10) == 0) {
      nodes.add(r.nextBoolean() ? nodes.getValue(0) : hostileScalar(r)); // a duplicate node, or not an object
      return "node";
    }
    List<JsonObject> objects = nodes.stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast).toList();
    if (objects.isEmpty()) {
      return "none";
    }
    JsonObject node = objects.get(r.nextInt(objects.size()));
    String field = r.nextInt(8) == 0 ? pick(r, HOSTILE) : pick(r, FIELDS.toArray(new String[0]));
    switch (r.nextInt(8)) {
      case 0 -> node.putNull(field);
      case 1 -> node.remove(field);
      case 2, 3 -> node.put(field, pick(r, HOSTILE));
      case 4 -> node.put(field, hostileScalar(r));
      case 5 -> node.put(field, new JsonArray().add(pick(r, HOSTILE)).add(hostileScalar(r)));
      case 6 -> node.put(field, new JsonObject().put(pick(r, HOSTILE), r.nextBoolean() ? pick(r, HOSTILE) : hostileScalar(r)));
      default -> node.put("depends_on", new JsonArray().add(node.getValue("name", "Node-0")));
    }
    return field;
  }

  private static Object hostileScalar(Random r) {
    return switch (r.nextInt(8)) {
      case 0 -> true;
      case 1 -> 0;
      case 2 -> -1;
      case 3 -> Long.MAX_VALUE;
      case 4 -> 1e308;
      case 5 -> BigInteger.TWO.pow(100);
      case 6 -> new JsonObject();
      default -> new JsonArray();
    };
  }

  private static String damage(Random r, String json) {
    int at = r.nextInt(json.length());
    return switch (r.nextInt(4)) {
      case 0 -> json.substring(0, at);
      case 1 -> json.substring(0, at) + json.substring(at + 1);
      case 2 -> json.substring(0, at) + pick(r, "{", "}", "[", "]", ",", ":", "\"", "\\", "'", "\u0000") + json.substring(at);
      default -> json + pick(r, " x", "]", ",", "{}");
    };
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }
}
