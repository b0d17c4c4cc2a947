package io.emp.supervisor.process;

import io.emp.core.config.ConfigException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A mapping of the parsed spec with its dotted path, so every error names the field it is about
 * ({@code services.comfyui.readiness.http: must start with /}).
 */
final class SpecNode {
  private final String path;
  private final Map<?, ?> map;

  SpecNode(String path, Map<?, ?> map) {
    this.path = path;
    this.map = map;
  }

  String path() {
    return path;
  }

  /**
   * The keys as text. YAML allows any node as a key ({@code ? [a, b]}, {@code !!binary}); those are
   * refused here, naming where, rather than shown as {@code [B@5a525c98} (found by MachineSpecFuzzTest).
   */
  Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    for (Object k : map.keySet()) {
      if (!(k instanceof String || k instanceof Number || k instanceof Boolean)) {
        throw error("keys must be plain text, found " + (k instanceof byte[] ? "binary data" : kind(k)));
      }
      keys.add(String.valueOf(k));
    }
    return keys;
  }

  String where(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  ConfigException error(String key, String message) {
    return new ConfigException(where(key) + ": " + message);
  }

  ConfigException error(String message) {
    return new ConfigException((path.isEmpty() ? "spec" : path) + ": " + message);
  }

  /** Refuses fields this node does not know, so a typo does not silently fall back to a default. */
  void allowOnly(String... known) {
    Set<String> allowed = Set.of(known);
    for (String k : keys()) {
      if (!allowed.contains(k)) {
        throw error(k, "unknown field (known: " + String.join(", ", new TreeSet<>(Arrays.asList(known))) + ")");
      }
    }
  }

  boolean has(String key) {
    return map.get(key) != null;
  }

  Object get(String key) {
    return map.get(key);
  }

  /** A scalar as text (numbers and booleans too); absent → fallback. */
  String string(String key, String fallback) {
    Object v = map.get(key);
    if (v == null) {
      return fallback;
    }
    return scalar(where(key), v);
  }

  static String scalar(String where, Object v) {
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    throw new ConfigException(where + ": must be a single value, not " + kind(v));
  }

  long integer(String key, long fallback, long min, long max) {
    Object v = map.get(key);
    return v == null ? fallback : integer(where(key), v, min, max);
  }

  static long integer(String where, Object v, long min, long max) {
    Long n = null;
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      n = ((Number) v).longValue();
    } else if (v instanceof BigInteger b && b.bitLength() < 64) {
      n = b.longValue();
    } else if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      n = d.longValue();
    }
    if (n == null) {
      throw new ConfigException(where + ": must be an integer, not " + describe(v));
    }
    if (n < min || n > max) {
      throw new ConfigException(where + ": " + n + " is out of range [" + min + ", " + max + "]");
    }
    return n;
  }

  /** A nested mapping, or null when absent. */
  SpecNode node(String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw error(key, "must be a mapping, not " + describe(v));
    }
    return new SpecNode(where(key), m);
  }

  /** A list, or null when absent. */
  List<?> list(String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof List<?> l)) {
      throw error(key, "must be a list, not " + describe(v));
    }
    return l;
  }

  static String describe(Object v) {
    return v instanceof String s ? "\"" + s + "\"" : kind(v);
  }

  static String kind(Object v) {
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    return v == null ? "null" : v.getClass().getSimpleName().toLowerCase() + " " + v;
  }
}
