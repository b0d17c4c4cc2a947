package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Compact human formats for durations, ages, times and shares. */
final class Fmt {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
    .withZone(ZoneId.systemDefault());

  private Fmt() {
  }

  /** {@code 850ms}, {@code 5.2s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}. */
  static String duration(long ms) {
    if (ms < 0) {
      ms = 0;
    }
    if (ms < 1_000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return String.format("%.1fs", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 3600) {
      return String.format("%dm%02ds", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
    }
    return String.format("%dd%02dh", s / 86_400, s % 86_400 / 3600);
  }

  /** A duration field that may be absent or null: {@code -}. */
  static String duration(JsonNode ms) {
    return ms == null || ms.isMissingNode() || ms.isNull() ? "-" : duration(ms.asLong());
  }

  /** How long ago an epoch-ms time was; {@code -} when absent. */
  static String ago(JsonNode epochMs, long now) {
    return epochMs == null || !epochMs.isNumber() ? "-" : duration(now - epochMs.asLong());
  }

  /** Local wall-clock time of an epoch-ms instant: {@code 14:03:07.125}. */
  static String clock(long epochMs) {
    return CLOCK.format(Instant.ofEpochMilli(epochMs));
  }

  /** A share 0..1 as a whole percentage; {@code -} when null (nothing to divide). */
  static String percent(JsonNode share) {
    return share == null || !share.isNumber() ? "-" : Math.round(share.asDouble() * 100) + "%";
  }

  /** A text field, or {@code -} when absent or empty. */
  static String text(JsonNode n) {
    return n == null || n.isMissingNode() || n.isNull() || n.asText().isEmpty() ? "-" : n.asText();
  }
}
