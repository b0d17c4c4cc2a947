package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Hostile machine specs (docs/security.md#hostile-input): the documented example, mutated at random
 * paths (wrong types, nulls, huge numbers, hostile names and templates, unknown keys, deep nesting),
 * written as YAML or JSON; damaged text; YAML specials (recursive and exponential aliases, tags,
 * merge keys, non-string keys); invalid UTF-8 files. Every spec must either load and plan for 0–3
 * GPUs, or be refused with a {@link ConfigException} whose message starts with the file name and
 * names the field — never another exception type (NPE, ClassCast, StackOverflow, NumberFormat).
 *
 * <p>Knobs: {@code -Demp.fuzz.seed} (default 20261128), {@code -Demp.fuzz.count} (default
 * {@value #DEFAULT_COUNT}), {@code -Demp.fuzz.case}.
 */
class MachineSpecFuzzTest {
  static final int DEFAULT_COUNT = 3_000;
  private static final long SEED = Long.getLong("emp.fuzz.seed", 20261128L);
  private static final Integer ONLY = Integer.getInteger("emp.fuzz.case");
  private static final EnvConfig ENV = EnvConfig.of(Map.of("EMP_MACHINE_ID", "m-7", "HOME_DIR", "/home/x"));
  private static final Path RUN = Path.of("/var/run/emp");
  private static final String[] HOSTILE = {"", " ", "\n", "a\nINFO forged line", "\u0000", "\u001b[31m", "é", "😀",
    "${", "${}", "${X", "${PORT:}", "${PORT:nope}", "${PORT:comfyui}", "${MISSING}", "${MISSING:-}", "$${X}", "$",
    "${GPU_INDEX}", "${INSTANCE_DIR}/../../etc", "../../etc/passwd", "-rf", "comfyui", "worker", "simulation",
    "per_gpu", "auto", "always", "never", "on-failure", "x".repeat(65), "a-", "-a", "a--b", "a.b", "0", "-1",
    "65536", "1e999", "NaN", "true", "null", "~", "[]", "{}", "*", "&a", "!!binary", "k".repeat(5000)};
  private static final List<String> FIELDS = List.of("machine", "gpus", "simulated_gpu", "services", "command",
    "working_dir", "env", "instances", "port_base", "readiness", "restart", "stop", "depends_on", "id", "pool",
    "http", "tcp", "log", "timeout_s", "policy", "backoff_initial_ms", "backoff_max_ms", "crash_loop", "restarts",
    "window_s", "grace_ms", "name", "memory_mb");

  @TempDir
  Path tmp;
  private final Map<String, Integer> outcomes = new TreeMap<>();

  @Test
  @DisplayName("hostile machine specs: loaded and planned, or refused by a ConfigException naming the file and field")
  void hostileSpecs() throws IOException {
    Map<String, Object> base = example();
    int count = Integer.getInteger("emp.fuzz.count", DEFAULT_COUNT);
    List<String> failures = new ArrayList<>();
    long started = System.currentTimeMillis();
    for (int i = ONLY != null ? ONLY : 0; i < (ONLY != null ? ONLY + 1 : count); i++) {
      Random r = new Random(SEED * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L);
      Spec s = generate(r, base);
      try {
        judge(s);
      } catch (Throwable t) {
        String line = "case " + i + " " + s.what() + " " + io.emp.core.LogSafe.of(s.text(), 160) + ": " + t;
        System.out.println("FUZZ FAILURE " + line + "\n    replay: -Dtest=MachineSpecFuzzTest -Demp.fuzz.seed="
          + SEED + " -Demp.fuzz.case=" + i);
        if (failures.size() < 25) {
          failures.add(line);
        }
      }
    }
    System.out.printf("MachineSpecFuzzTest: %d specs (seed %d) in %d ms; outcomes %s%n", count, SEED,
      System.currentTimeMillis() - started, outcomes);
    assertThat(failures).as("failed cases (seed %d)", SEED).isEmpty();
  }

  private record Spec(String what, String fileName, String text, byte[] bytes) {
  }

  private void judge(Spec s) throws IOException {
    MachineSpec spec;
    try {
      if (s.bytes() != null) {
        Path file = Files.write(tmp.resolve(s.fileName()), s.bytes());
        spec = MachineSpec.load(file, ENV);
      } else {
        spec = MachineSpec.parse(s.text(), s.fileName(), Path.of("/etc/emp"), ENV);
      }
    } catch (ConfigException e) {
      judgeRefusal(s, e);
      return;
    }
    for (int gpus = 0; gpus <= 3; gpus++) {
      try {
        List<InstanceSpec> planned = spec.instances(gpus, RUN, 1000);
        assertThat(planned).allSatisfy(in -> assertThat(in.command()).isNotEmpty());
      } catch (ConfigException e) {
        // a clash that only shows with more GPUs than the load-time dry run plans for
        outcomes.merge("plan-refused", 1, Integer::sum);
        assertThat(e.getMessage()).isNotBlank();
        return;
      }
    }
    outcomes.merge("loaded", 1, Integer::sum);
  }

  private void judgeRefusal(Spec s, ConfigException e) {
    String m = e.getMessage();
    assertThat(m).as("the message").isNotBlank();
    if (s.bytes() != null) {
      assertThat(m).as("an unreadable file names the variable").startsWith("EMP_MACHINE_SPEC=")
        .endsWith("the machine spec is not valid UTF-8");
      outcomes.merge("refused:unreadable", 1, Integer::sum);
      return;
    }
    assertThat(m).as("the message names the file").startsWith(s.fileName() + ": ");
    String rest = m.substring(s.fileName().length() + 2);
    if (rest.startsWith("not valid JSON: ") || rest.startsWith("not valid YAML: ") || rest.startsWith("spec: ")
      || rest.startsWith("services: is required")) {
      outcomes.merge("refused:" + rest.substring(0, rest.indexOf(':')), 1, Integer::sum);
      return;
    }
    // otherwise the message starts with the path of the field: a key of the document, then . [ or :
    Object doc = SpecParser.decode(s.text(), s.fileName());
    assertThat(doc).isInstanceOf(Map.class);
    String top = ((Map<?, ?>) doc).keySet().stream().map(String::valueOf)
      .filter(k -> rest.startsWith(k + ".") || rest.startsWith(k + ": ") || rest.startsWith(k + "["))
      .findFirst().orElse(null);
    assertThat(top).as("the message '%s' starts with the path of a field", io.emp.core.LogSafe.of(rest, 200))
      .isNotNull();
    String field = rest.substring(0, rest.indexOf(": ")).replaceAll("\\[\\d+\\]", "[]");
    String section = field.split("[.\\[]")[0];
    outcomes.merge("refused:" + (section.matches("[a-z_]{1,20}") ? section : "(hostile key)"), 1, Integer::sum);
  }

  // --- generating ------------------------------------------------------------------------------------

  private static Map<String, Object> example() throws IOException {
    try (InputStream in = MachineSpecFuzzTest.class.getResourceAsStream("/process/machine-example.yaml")) {
      return yaml().load(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    DumperOptions dump = new DumperOptions();
    dump.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return new Yaml(new SafeConstructor(options), new org.yaml.snakeyaml.representer.Representer(dump), dump);
  }

  private Spec generate(Random r, Map<String, Object> base) {
    int dice = r.nextInt(100);
    if (dice < 65) {
      Map<String, Object> doc = deepCopy(base);
      List<String> did = new ArrayList<>();
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        did.add(mutate(r, doc));
      }
      boolean json = r.nextInt(3) == 0;
      String text = json ? new JsonObject(doc).encode() : yaml().dump(doc);
      return new Spec("mutated " + did, json ? "machine.json" : "machine.yaml", text, null);
    }
    if (dice < 80) {
      String text = damage(r, yaml().dump(base));
      return new Spec("damaged", "machine.yaml", text, null);
    }
    if (dice < 95) {
      return yamlSpecial(r);
    }
    byte[] bytes = yaml().dump(base).getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[bytes.length + 2];
    int at = r.nextInt(bytes.length);
    System.arraycopy(bytes, 0, out, 0, at);
    out[at] = (byte) (int) pick(r, 0xC0, 0xFF, 0xED, 0x80);
    out[at + 1] = (byte) 0x80;
    System.arraycopy(bytes, at, out, at + 2, bytes.length - at);
    return new Spec("invalid UTF-8 file", "machine.yaml", "(bytes)", out);
  }

  @SuppressWarnings("unchecked")
  private static String mutate(Random r, Map<String, Object> doc) {
    // walk to a random mapping of the document
    Map<String, Object> at = doc;
    StringBuilder path = new StringBuilder();
    for (int depth = 0; depth < 4 && r.nextInt(4) != 0; depth++) {
      List<String> maps = at.entrySet().stream().filter(e -> e.getValue() instanceof Map).map(Map.Entry::getKey)
        .toList();
      if (maps.isEmpty()) {
        break;
      }
      String k = maps.get(r.nextInt(maps.size()));
      path.append(k).append('.');
      at = (Map<String, Object>) at.get(k);
    }
    List<String> keys = new ArrayList<>(at.keySet());
    String key = keys.isEmpty() || r.nextInt(6) == 0 ? pick(r, FIELDS.toArray(new String[0])) : keys.get(r.nextInt(keys.size()));
    if (r.nextInt(12) == 0) {
      key = pick(r, HOSTILE);
    }
    path.append(key);
    switch (r.nextInt(9)) {
      case 0 -> at.put(key, null);
      case 1 -> at.remove(key);
      case 2 -> at.put(key, pick(r, HOSTILE));
      case 3 -> at.put(key, hostileScalar(r));
      case 4 -> at.put(key, new ArrayList<>(List.of(pick(r, HOSTILE), hostileScalar(r))));
      case 5 -> at.put(key, new LinkedHashMap<>(Map.of(pick(r, HOSTILE), hostileScalar(r))));
      case 6 -> at.put(key, nestedList(pick(r, 3, 30, 45)));
      case 7 -> at.put(key, new ArrayList<>());
      default -> at.put(key, new LinkedHashMap<>());
    }
    return path.toString();
  }

  private static Object hostileScalar(Random r) {
    return switch (r.nextInt(11)) {
      case 0 -> true;
      case 1 -> 0;
      case 2 -> -1;
      case 3 -> Long.MAX_VALUE;
      case 4 -> Integer.MAX_VALUE + 1L;
      case 5 -> 1e308;
      case 6 -> 0.5;
      case 7 -> BigInteger.TWO.pow(64 + r.nextInt(200));
      case 8 -> Double.NaN;
      case 9 -> 65_536;
      default -> r.nextInt(70_000) - 100;
    };
  }

  private static Object nestedList(int depth) {
    Object v = "x";
    for (int k = 0; k < depth; k++) {
      v = new ArrayList<>(List.of(v));
    }
    return v;
  }

  private static String damage(Random r, String text) {
    int at = r.nextInt(text.length());
    return switch (r.nextInt(6)) {
      case 0 -> text.substring(0, at);
      case 1 -> text.substring(0, at) + text.substring(at + 1);
      case 2 -> text.substring(0, at) + pick(r, "\t", ":", "- ", "{", "[", "\"", "'", "&", "*", "!", "%", "@", "`", "|",
        ">", "? ", "\n  ", "\u0000", "\uFEFF") + text.substring(at);
      case 3 -> text.replaceFirst("services:", "services: &s\n  loop: *s\n ");
      case 4 -> "%YAML 1.1\n---\n" + text + "\n---\nsecond: document\n";
      default -> text.replace("  ", pick(r, "\t", " ", "   "));
    };
  }

  private static Spec yamlSpecial(Random r) {
    String text = switch (r.nextInt(14)) {
      case 0 -> "services: &a\n  x: *a\n"; // a recursive mapping
      case 1 -> "services:\n  a: {command: &l [x, *l]}\n"; // a recursive list
      case 2 -> laughs(pick(r, 5, 9));
      case 3 -> "services:\n  a: {command: [!!binary aGVsbG8=, !!timestamp 2001-12-14]}\n";
      case 4 -> "services:\n  a: {command: [x], port_base: !!float .nan}\n";
      case 5 -> "services:\n  a: {command: [x], env: {? [a, b] : c}}\n";
      case 6 -> "services:\n  ? [a]\n  : {command: [x]}\n";
      case 7 -> "base: &b {command: [x]}\nservices:\n  a:\n    <<: *b\n    port_base: 9000\n";
      case 8 -> "services:\n  a: !!set {x, y}\n";
      case 9 -> "services:\n  a: {command: [x], port_base: 123456789012345678901234567890}\n";
      case 10 -> "services:\n  a: {command: [x]}\n  a: {command: [y]}\n";
      case 11 -> "services:\n  a: {command: [x], depends_on: [a]}\n  b: {command: [y], depends_on: [c]}\n"
        + "  c: {command: [z], depends_on: [b]}\n";
      case 12 -> "services: " + "[".repeat(pick(r, 40, 60, 5_000)) + "]".repeat(0) + "\n";
      default -> "gpus: " + pick(r, "-1", "17", "1.5", "0x10", "0o17", "1_000", ".inf", "auto ", "AUTO", "[]") + "\n"
        + "services:\n  a: {command: [x]}\n";
    };
    return new Spec("yaml special", "machine.yaml", text, null);
  }

  /** The "billion laughs": each level refers to the previous one ten times. */
  private static String laughs(int levels) {
    StringBuilder sb = new StringBuilder("l0: &l0 [lol]\n");
    for (int k = 1; k <= levels; k++) {
      sb.append("l").append(k).append(": &l").append(k).append(" [");
      for (int j = 0; j < 10; j++) {
        sb.append(j > 0 ? "," : "").append("*l").append(k - 1);
      }
      sb.append("]\n");
    }
    return sb.append("services:\n  a: {command: *l").append(levels).append("}\n").toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> sub ? deepCopy((Map<String, Object>) sub)
      : v instanceof List<?> l ? new ArrayList<>(l) : v));
    return out;
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }
}
