package io.emp.bench.sim;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the quantities of a scenario file: durations ({@code 500ms}, {@code 30s}, {@code 2m},
 * {@code 1.5h}, {@code 1d}; a bare number is seconds), sizes ({@code 2GB}, {@code 500MB}; decimal
 * units, a bare number is bytes), speeds ({@code 200MB/s}) and rates ({@code 30/m}, {@code 2/s},
 * {@code 100/h}; a bare number is per second). Every method throws {@link IllegalArgumentException}
 * with the accepted forms; {@link Spec} adds the field's path.
 */
public final class Units {
  private static final Pattern QUANTITY = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]*)\\s*");

  private Units() {
  }

  private static final Pattern DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|min|m|h|d)");

  /** Milliseconds; compound forms such as {@code 6h30m} or {@code 1m30s} add up. */
  public static long durationMs(Object value) {
    if (value instanceof Number n) {
      return Math.round(n.doubleValue() * 1_000);
    }
    String s = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
    if (s.matches("[0-9]+(\\.[0-9]+)?")) {
      return Math.round(Double.parseDouble(s) * 1_000);
    }
    Matcher m = DURATION_PART.matcher(s);
    double total = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      double x = Double.parseDouble(m.group(1));
      total += x * switch (m.group(2)) {
        case "ms" -> 1;
        case "s" -> 1_000;
        case "m", "min" -> 60_000;
        case "h" -> 3_600_000;
        default -> 86_400_000;
      };
      end = m.end();
    }
    if (end == 0 || end != s.length()) {
      throw new IllegalArgumentException("expected a duration such as 500ms, 30s, 2m, 1.5h, 6h30m or 1d, got '" + value + "'");
    }
    return Math.round(total);
  }

  /** Bytes (decimal units: 1 GB = 10^9 bytes). */
  public static long bytes(Object value) {
    if (value instanceof Number n) {
      return n.longValue();
    }
    Matcher m = match(value, "a size such as 500MB, 2GB or 1.5TB");
    double x = Double.parseDouble(m.group(1));
    double factor = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "", "B" -> 1;
      case "KB" -> 1e3;
      case "MB" -> 1e6;
      case "GB" -> 1e9;
      case "TB" -> 1e12;
      default -> throw new IllegalArgumentException("unknown size unit '" + m.group(2) + "' (use B, KB, MB, GB, TB)");
    };
    return Math.round(x * factor);
  }

  /** Bytes per second, from {@code <size>/s}. */
  public static double bytesPerSecond(Object value) {
    String s = String.valueOf(value).trim();
    if (!s.endsWith("/s")) {
      throw new IllegalArgumentException("expected a speed such as 200MB/s, got '" + s + "'");
    }
    long b = bytes(s.substring(0, s.length() - 2));
    if (b <= 0) {
      throw new IllegalArgumentException("a speed must be positive, got '" + s + "'");
    }
    return b;
  }

  /** Events per second, from {@code <n>/s}, {@code <n>/m}, {@code <n>/h} or a bare number (per second). */
  public static double perSecond(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    String s = String.valueOf(value).trim();
    int slash = s.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("expected a rate such as 30/m, 2/s or 100/h, got '" + s + "'");
    }
    double n = Double.parseDouble(s.substring(0, slash).trim());
    double per = switch (s.substring(slash + 1).trim().toLowerCase(Locale.ROOT)) {
      case "s" -> 1;
      case "m", "min" -> 60;
      case "h" -> 3_600;
      case "d" -> 86_400;
      default -> throw new IllegalArgumentException("unknown rate unit in '" + s + "' (use /s, /m, /h, /d)");
    };
    return n / per;
  }

  /** {@code 90000} → {@code 1m30s}; for reports. */
  public static String formatDuration(double ms) {
    if (ms < 1_000) {
      return String.format(Locale.ROOT, "%.0f ms", ms);
    }
    double s = ms / 1_000;
    if (s < 60) {
      return String.format(Locale.ROOT, s < 10 ? "%.2f s" : "%.1f s", s);
    }
    if (s < 3_600) {
      return String.format(Locale.ROOT, "%dm%02ds", (long) s / 60, (long) s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", (long) s / 3_600, ((long) s % 3_600) / 60);
  }

  private static Matcher match(Object value, String expected) {
    String s = String.valueOf(value);
    Matcher m = QUANTITY.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("expected " + expected + ", got '" + s + "'");
    }
    return m;
  }
}
