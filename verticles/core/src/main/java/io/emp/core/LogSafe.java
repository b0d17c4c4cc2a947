package io.emp.core;

/**
 * Makes values from outside (ids and names from requests, messages from backends, command arguments)
 * safe to put in a log line: CR, LF and every other control character, Unicode line separators and
 * bidirectional overrides are written as escapes ({@code \n}, {@code \r}, {@code \t}, {@code \u001b}),
 * so a value can neither start a forged log line nor recolour a terminal; long values are cut.
 * Use it at log call sites only — never to change what is stored or answered.
 */
public final class LogSafe {
  /** Default cut: enough for ids, names and an error message's first sentences. */
  public static final int DEFAULT_MAX = 512;

  private LogSafe() {
  }

  /** {@link #of(Object, int)} with {@link #DEFAULT_MAX}. */
  public static String of(Object value) {
    return of(value, DEFAULT_MAX);
  }

  /**
   * The value's text with unsafe characters escaped, at most {@code max} characters of the original
   * (then {@code …(+n chars)}); {@code "null"} for null.
   */
  public static String of(Object value, int max) {
    if (value == null) {
      return "null";
    }
    String s = value.toString();
    int limit = Math.min(s.length(), Math.max(0, max));
    if (limit < s.length() && limit > 0 && Character.isHighSurrogate(s.charAt(limit - 1))) {
      limit--; // never cut a pair in two
    }
    StringBuilder out = null;
    for (int i = 0; i < limit; i++) {
      char c = s.charAt(i);
      String escape = escape(s, i, c);
      if (escape != null && out == null) {
        out = new StringBuilder(limit + 16).append(s, 0, i);
      }
      if (out != null) {
        if (escape != null) {
          out.append(escape);
        } else {
          out.append(c);
        }
      }
    }
    String safe = out != null ? out.toString() : s.substring(0, limit);
    return limit < s.length() ? safe + "…(+" + (s.length() - limit) + " chars)" : safe;
  }

  private static String escape(String s, int i, char c) {
    switch (c) {
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      case '\\':
        return null; // kept: escapes are recognisable by their form, and paths keep their look
      default:
        break;
    }
    if (c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029' || c == '\u0085'
      || c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069' || c == '\u200e' || c == '\u200f'
      || isLoneSurrogate(s, i, c)) {
      return String.format("\\u%04x", (int) c);
    }
    return null;
  }

  private static boolean isLoneSurrogate(String s, int i, char c) {
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }
}
