package io.emp.bench.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One mapping of a scenario file with its path ({@code machines[2].schedule[0].at}), so every error
 * names the field. Unknown keys are refused: a typo never silently falls back to a default.
 */
final class Spec {
  private final String path;
  private final Map<String, Object> map;

  Spec(String path, Object node) {
    this.path = path;
    if (!(node instanceof Map<?, ?> m)) {
      throw new ScenarioException(path.isEmpty() ? "(top level)" : path, "must be a mapping");
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    m.forEach((k, v) -> copy.put(String.valueOf(k), v));
    this.map = copy;
  }

  String path() {
    return path;
  }

  String at(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    return map.get(key) != null;
  }

  Object raw(String key) {
    return map.get(key);
  }

  /** The mapping as plain Java values (for documents passed through, such as job requirements). */
  Map<String, Object> plain() {
    return new LinkedHashMap<>(map);
  }

  /** Refuses keys outside {@code allowed}. */
  Spec only(Set<String> allowed) {
    for (String k : map.keySet()) {
      if (!allowed.contains(k)) {
        throw new ScenarioException(at(k), "unknown field (known: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
      }
    }
    return this;
  }

  String string(String key, String fallback) {
    Object v = map.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Map || v instanceof List) {
      throw new ScenarioException(at(key), "must be a string");
    }
    return String.valueOf(v);
  }

  String requiredString(String key) {
    String s = string(key, null);
    if (s == null || s.isBlank()) {
      throw new ScenarioException(at(key), "is required");
    }
    return s;
  }

  double number(String key, double fallback, double min, double max) {
    Object v = map.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n)) {
      throw new ScenarioException(at(key), "must be a number");
    }
    double d = n.doubleValue();
    if (d < min || d > max || Double.isNaN(d)) {
      throw new ScenarioException(at(key), "must be between " + min + " and " + max + ", got " + d);
    }
    return d;
  }

  int integer(String key, int fallback, int min, int max) {
    Object v = map.get(key);
    if (v != null && !(v instanceof Integer || v instanceof Long)) {
      throw new ScenarioException(at(key), "must be an integer");
    }
    return (int) number(key, fallback, min, max);
  }

  boolean bool(String key, boolean fallback) {
    Object v = map.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Boolean b)) {
      throw new ScenarioException(at(key), "must be true or false");
    }
    return b;
  }

  long durationMs(String key, long fallback) {
    return parse(key, fallback, Units::durationMs);
  }

  long bytes(String key, long fallback) {
    return parse(key, fallback, Units::bytes);
  }

  double bytesPerSecond(String key, double fallback) {
    return parse(key, fallback, Units::bytesPerSecond);
  }

  double perSecond(String key, double fallback) {
    return parse(key, fallback, Units::perSecond);
  }

  <T> T parse(String key, T fallback, Function<Object, T> parser) {
    Object v = map.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return parser.apply(v);
    } catch (IllegalArgumentException e) {
      throw new ScenarioException(at(key), e.getMessage());
    }
  }

  Spec child(String key) {
    return new Spec(at(key), map.get(key));
  }

  List<Object> list(String key) {
    Object v = map.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      throw new ScenarioException(at(key), "must be a list");
    }
    return new ArrayList<>(l);
  }

  List<Spec> specs(String key) {
    List<Object> items = list(key);
    List<Spec> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(new Spec(at(key) + "[" + i + "]", items.get(i)));
    }
    return out;
  }

  List<String> strings(String key) {
    List<String> out = new ArrayList<>();
    for (Object o : list(key)) {
      if (o instanceof Map || o instanceof List || o == null) {
        throw new ScenarioException(at(key), "must be a list of strings");
      }
      out.add(String.valueOf(o));
    }
    return out;
  }

  /** A scenario file error, naming the field. */
  static final class ScenarioException extends IllegalArgumentException {
    private final String field;

    ScenarioException(String field, String message) {
      super(field + ": " + message);
      this.field = field;
    }

    String field() {
      return field;
    }
  }
}
