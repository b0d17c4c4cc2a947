package io.emp.supervisor.process;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * When a started instance counts as ready: an HTTP GET of {@code http://127.0.0.1:<port><path>} answers
 * 2xx, a TCP connect to the port succeeds, or a stdout/stderr line matches; {@code NONE} is ready as soon
 * as the process runs. Not ready within {@code timeoutMs} → the instance is killed and {@code failed}.
 *
 * @param kind      which probe
 * @param target    the HTTP path (starts with {@code /}) or the log pattern; null for TCP and NONE
 * @param timeoutMs readiness deadline, counted from the spawn
 */
public record Readiness(Kind kind, String target, long timeoutMs) {
  public static final long DEFAULT_TIMEOUT_MS = 60_000;
  public static final Readiness NONE = new Readiness(Kind.NONE, null, DEFAULT_TIMEOUT_MS);

  public enum Kind { NONE, HTTP, TCP, LOG }

  /** The log pattern: a regular expression when it compiles, the literal text otherwise. */
  public Pattern pattern() {
    try {
      return Pattern.compile(target);
    } catch (PatternSyntaxException e) {
      return Pattern.compile(Pattern.quote(target));
    }
  }

  /** For messages: {@code GET /system_stats}, {@code tcp}, {@code log /worker role started/}. */
  public String describe() {
    return switch (kind) {
      case NONE -> "none";
      case HTTP -> "GET " + target;
      case TCP -> "tcp connect";
      case LOG -> "log /" + target + "/";
    };
  }
}
