package io.emp.core.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to {@code EMP_*} settings: the process environment, overridden by explicit values
 * (tests, the standalone jar). Every getter validates and throws {@link ConfigException} naming the
 * variable, so a role fails to start instead of running with a wrong value. Secrets are never logged
 * by this class: {@link #describe} masks every variable whose name says it holds a secret (TOKEN,
 * PASSWORD, SECRET, AUTH, KEY, CREDENTIAL) and the credentials and query strings of URL values.
 */
public final class EnvConfig {
  private final Map<String, String> values;

  private EnvConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static EnvConfig fromEnvironment() {
    return of(System.getenv());
  }

  public static EnvConfig of(Map<String, String> values) {
    Map<String, String> m = new HashMap<>();
    values.forEach((k, v) -> {
      if (k != null && v != null) {
        m.put(k, v);
      }
    });
    return new EnvConfig(m);
  }

  /** This configuration with some values replaced (null removes a value). */
  public EnvConfig with(Map<String, String> overrides) {
    Map<String, String> m = new HashMap<>(values);
    overrides.forEach((k, v) -> {
      if (v == null) {
        m.remove(k);
      } else {
        m.put(k, v);
      }
    });
    return new EnvConfig(m);
  }

  /** Every value (for handing the environment on to a child tool); never log it. */
  public Map<String, String> toMap() {
    return values;
  }

  public String raw(String name) {
    String v = values.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  public String string(String name, String fallback) {
    String v = raw(name);
    return v == null ? fallback : v;
  }

  public String required(String name) {
    String v = raw(name);
    if (v == null) {
      throw new ConfigException(name + " is required");
    }
    return v;
  }

  public int integer(String name, int fallback, int min, int max) {
    return (int) longValue(name, fallback, min, max);
  }

  public long longValue(String name, long fallback, long min, long max) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v.replace("_", ""));
      if (n < min || n > max) {
        throw new ConfigException(name + "=" + v + " is out of range [" + min + ", " + max + "]");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(name + "=" + v + " is not an integer");
    }
  }

  public double decimal(String name, double fallback, double min, double max) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) {
        throw new ConfigException(name + "=" + v + " is out of range [" + min + ", " + max + "]");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new ConfigException(name + "=" + v + " is not a number");
    }
  }

  public boolean bool(String name, boolean fallback) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    return switch (v.toLowerCase()) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new ConfigException(name + "=" + v + " is not a boolean (true/false)");
    };
  }

  /** A comma-separated list; empty items dropped. */
  public List<String> list(String name, List<String> fallback) {
    String v = raw(name);
    if (v == null) {
      return fallback;
    }
    return java.util.Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  public String oneOf(String name, String fallback, Set<String> allowed) {
    String v = string(name, fallback);
    if (!allowed.contains(v)) {
      throw new ConfigException(name + "=" + v + " must be one of " + allowed);
    }
    return v;
  }

  static boolean isSecretName(String name) {
    return java.util.stream.Stream.of("TOKEN", "PASSWORD", "SECRET", "AUTH", "KEY", "CREDENTIAL")
      .anyMatch(name::contains);
  }

  /** Credentials ({@code //user:pass@}) and query strings (tokens in {@code ?token=}) of a URL, masked. */
  public static String maskUrl(String v) {
    if (!v.contains("://")) {
      return v;
    }
    String masked = v.replaceAll("//[^/@]*@", "//***@");
    int q = masked.indexOf('?');
    return q < 0 ? masked : masked.substring(0, q) + "?***";
  }

  /** The EMP_* values, secrets masked, for a start-up log line. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    values.keySet().stream().filter(k -> k.startsWith("EMP_")).sorted().forEach(k -> {
      String v = values.get(k);
      sb.append(k).append('=').append(isSecretName(k) ? "***" : maskUrl(v)).append(' ');
    });
    return sb.toString().trim();
  }
}
