package io.emp.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeds, replay and generators shared by the fuzz tests. Every case {@code i} of a run draws from its
 * own {@link Random} derived from the seed and {@code i}, so one failing case replays alone:
 * {@code -Demp.fuzz.seed=<seed> -Demp.fuzz.case=<i>}. Knobs: {@code emp.fuzz.seed} (default
 * {@value #DEFAULT_SEED}), {@code emp.fuzz.count}, {@code emp.fuzz.case}.
 */
final class Fuzz {
  static final long DEFAULT_SEED = 20261128L;
  static final long SEED = Long.getLong("emp.fuzz.seed", DEFAULT_SEED);
  /** Only this case (a replay); null = all. */
  static final Integer ONLY = Integer.getInteger("emp.fuzz.case");
  static final int MAX_REPORTED = 25;

  private final String test;
  private final List<String> failures = new ArrayList<>();
  private int failed;

  Fuzz(String test) {
    this.test = test;
  }

  static int count(int defaultCount) {
    return Integer.getInteger("emp.fuzz.count", defaultCount);
  }

  /** The cases to run: {@code 0..count-1}, or the one being replayed. */
  static int[] cases(int count) {
    if (ONLY != null) {
      return new int[] {ONLY};
    }
    int[] all = new int[count];
    for (int i = 0; i < count; i++) {
      all[i] = i;
    }
    return all;
  }

  static Random random(int caseIndex) {
    return new Random(SEED * 0x9E3779B97F4A7C15L + caseIndex * 0xBF58476D1CE4E5B9L);
  }

  /** Records a failed case with its replay command, and prints it at once. */
  void fail(int caseIndex, String what, Throwable why) {
    failed++;
    String line = "case " + caseIndex + " " + what + ": " + why + "\n    replay: mvn -o -pl verticles/api test -Dtest="
      + test + " -Demp.fuzz.seed=" + SEED + " -Demp.fuzz.case=" + caseIndex;
    System.out.println("FUZZ FAILURE " + line);
    if (failures.size() < MAX_REPORTED) {
      failures.add(line);
    }
  }

  int failedCount() {
    return failed;
  }

  /** Fails the test listing the recorded cases (seed included). */
  void assertNoFailures(int ran) {
    if (failed > 0) {
      throw new AssertionError(failed + " of " + ran + " fuzz cases failed (seed " + SEED + "):\n  "
        + String.join("\n  ", failures));
    }
  }

  // --- generators ---------------------------------------------------------------------------------

  static final String FORGED_LOG_LINE = "\n2026-11-28 23:59:59.000 INFO  [main] io.emp.api.Jobs - fake line";
  private static final String[] HOSTILE_STRINGS = {
    "", " ", "NaN", "Infinity", "-Infinity", "1e999", "75", "null", "true", "{}", "[]", "{\"a\":1}",
    "\u0000", "a\u0000b", "\u001b[31mred\u001b[0m", "\r\n", FORGED_LOG_LINE, "x\rINFO fake", "\u2028\u2029",
    "\uFEFFbom", "\u202Eevil", "😀", "\uD83D\uDE00\uD83D", "\uD800", "\uDC00x", "a\uDBFF\uDFFFz", "\uFFFF", "\uFFFE",
    "../../etc/passwd", "..\\..\\win", "%0d%0a", "%00", "'; DROP TABLE jobs; --", "<script>alert(1)</script>",
    "${jndi:ldap://x/a}", "*", "?", "[", "\\", "\"", "a b", "comfyui", "s", "sdxl", "all", "strict",
    "a:b:c", "job:01JGZ4Y1N6Q3W8K2V5T7R9M0AB", "idx:queued", "é", "ß".repeat(65), "x".repeat(64),
    "x".repeat(65), "c".repeat(128), "c".repeat(129), "k".repeat(200), "k".repeat(201), "é".repeat(64),
    "01JGZ4Y1N6Q3W8K2V5T7R9M0AB", "01jgz4y1n6q3w8k2v5t7r9m0ab"
  };

  /** A string an attacker would try: control characters, separators, boundaries, unicode edge cases. */
  static String hostileString(Random r) {
    int pick = r.nextInt(HOSTILE_STRINGS.length + 4);
    if (pick < HOSTILE_STRINGS.length) {
      return HOSTILE_STRINGS[pick];
    }
    return switch (pick - HOSTILE_STRINGS.length) {
      case 0 -> "z".repeat(1 + r.nextInt(r.nextBoolean() ? 300 : 5_000));
      case 1 -> randomUnicode(r, 1 + r.nextInt(40));
      case 2 -> "service-" + r.nextInt(1000);
      default -> HOSTILE_STRINGS[r.nextInt(HOSTILE_STRINGS.length)] + randomUnicode(r, r.nextInt(5));
    };
  }

  static String randomUnicode(Random r, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(6);
      int cp = switch (kind) {
        case 0 -> r.nextInt(0x20);
        case 1 -> 0x20 + r.nextInt(0x5f);
        case 2 -> 0x80 + r.nextInt(0x780);
        case 3 -> 0x800 + r.nextInt(0xD000);
        case 4 -> 0x10000 + r.nextInt(0x100000);
        default -> 0xD800 + r.nextInt(0x800); // a lone surrogate
      };
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  /** A scalar of any JSON type, biased to boundaries and the wrong type for the field. */
  static Object hostileScalar(Random r) {
    return switch (r.nextInt(24)) {
      case 0 -> null;
      case 1 -> r.nextBoolean();
      case 2 -> 0;
      case 3 -> -0.0;
      case 4 -> 1e308;
      case 5 -> -1e308;
      case 6 -> Double.MIN_VALUE;
      case 7 -> Long.MAX_VALUE;
      case 8 -> Long.MIN_VALUE;
      case 9 -> BigInteger.TWO.pow(70 + r.nextInt(3000));
      case 10 -> 9_007_199_254_740_993L;
      case 11 -> Integer.MAX_VALUE;
      case 12 -> r.nextInt(220) - 10;
      case 13 -> r.nextDouble() * 200 - 50;
      case 14 -> 100.5;
      case 15 -> -1;
      case 16 -> 101;
      case 17 -> new JsonObject();
      case 18 -> new JsonArray();
      case 19 -> 1e-320;
      default -> hostileString(r);
    };
  }

  /** A random JSON value up to {@code depth} levels. */
  static Object randomValue(Random r, int depth) {
    int kind = depth <= 0 ? 2 : r.nextInt(4);
    if (kind == 0) {
      JsonObject o = new JsonObject();
      int n = r.nextInt(5);
      for (int i = 0; i < n; i++) {
        o.put(r.nextInt(4) == 0 ? hostileString(r) : "k" + r.nextInt(20), randomValue(r, depth - 1));
      }
      return o;
    }
    if (kind == 1) {
      JsonArray a = new JsonArray();
      int n = r.nextInt(5);
      for (int i = 0; i < n; i++) {
        a.add(randomValue(r, depth - 1));
      }
      return a;
    }
    return hostileScalar(r);
  }

  /** {@code levels} nested arrays (or objects) around {@code inner}, as JSON text. */
  static String nested(int levels, boolean objects, String inner) {
    StringBuilder sb = new StringBuilder(levels * 6 + inner.length());
    for (int i = 0; i < levels; i++) {
      sb.append(objects ? "{\"a\":" : "[");
    }
    sb.append(inner);
    for (int i = 0; i < levels; i++) {
      sb.append(objects ? "}" : "]");
    }
    return sb.toString();
  }

  private static final byte[][] INVALID_UTF8 = {
    {(byte) 0xC0, (byte) 0x80}, // overlong NUL
    {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
    {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0x80}, // never valid / a lone continuation byte
    {(byte) 0xE2, (byte) 0x82}, // truncated sequence
    {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
    {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, // 5-byte form
    {(byte) 0xC3, (byte) 0x28}, // bad continuation
  };

  static byte[] invalidUtf8(Random r) {
    return INVALID_UTF8[r.nextInt(INVALID_UTF8.length)];
  }

  /** {@code text} with an invalid UTF-8 sequence inserted at a random point inside it. */
  static byte[] withInvalidUtf8(Random r, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    // inside a string value when there is one, so the JSON is otherwise well formed
    int quote = text.lastIndexOf('"');
    int at = quote > 0 ? text.substring(0, quote).getBytes(StandardCharsets.UTF_8).length : r.nextInt(bytes.length + 1);
    byte[] bad = invalidUtf8(r);
    byte[] out = new byte[bytes.length + bad.length];
    System.arraycopy(bytes, 0, out, 0, at);
    System.arraycopy(bad, 0, out, at, bad.length);
    System.arraycopy(bytes, at, out, at + bad.length, bytes.length - at);
    return out;
  }

  /** Text-level damage: truncation, a deleted/inserted/replaced character, a bad number, garbage. */
  static String damage(Random r, String json) {
    if (json.isEmpty()) {
      return "{";
    }
    int at = r.nextInt(json.length());
    String structural = "{}[],:\"\\ \t\n0-1.eE+ntfu'/";
    return switch (r.nextInt(10)) {
      case 0 -> json.substring(0, at);
      case 1 -> json.substring(0, at) + json.substring(at + 1);
      case 2 -> json.substring(0, at) + structural.charAt(r.nextInt(structural.length())) + json.substring(at);
      case 3 -> json.substring(0, at) + structural.charAt(r.nextInt(structural.length())) + json.substring(at + 1);
      case 4 -> json.replaceFirst("\\d+(\\.\\d+)?", List.of("1e999", "NaN", "-", "01", "1.", "+1", "0x10", "Infinity",
        "1e-999", "-0", "123456789012345678901234567890").get(r.nextInt(11)));
      case 5 -> json + List.of(" x", "}", ",", "\u0000", " // c", "{}").get(r.nextInt(6));
      case 6 -> "\uFEFF" + json;
      case 7 -> json.replaceFirst("\"", "'");
      case 8 -> "/* c */" + json;
      default -> json.replaceFirst("\\{", java.util.regex.Matcher.quoteReplacement("{\"service\":\"dup\",\"service\":"
        + jsonString(hostileString(r)) + ","));
    };
  }

  /** {@code s} as a JSON string literal. */
  static String jsonString(String s) {
    String a = new JsonArray().add(s).encode();
    return a.substring(1, a.length() - 1);
  }
}
