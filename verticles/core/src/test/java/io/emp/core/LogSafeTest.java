package io.emp.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LogSafeTest {

  @Test
  @DisplayName("CR and LF are escaped: a value cannot start a forged log line")
  void newlines() {
    String forged = "01JGZ\n2026-11-28 23:59:59.000 INFO  [main] Jobs - job 01X cancelled by admin\r\nmore";
    String safe = LogSafe.of(forged);
    assertThat(safe).doesNotContain("\n").doesNotContain("\r");
    assertThat(safe).isEqualTo("01JGZ\\n2026-11-28 23:59:59.000 INFO  [main] Jobs - job 01X cancelled by admin\\r\\nmore");
  }

  @Test
  @DisplayName("ANSI escapes, other C0/C1 controls, DEL, line separators and bidi overrides are escaped")
  void controls() {
    assertThat(LogSafe.of("\u001b[31mred\u001b[0m")).isEqualTo("\\u001b[31mred\\u001b[0m");
    assertThat(LogSafe.of("a\u0000b\u0007c\u007fd\u0085e\u009bf")).isEqualTo("a\\u0000b\\u0007c\\u007fd\\u0085e\\u009bf");
    assertThat(LogSafe.of("tab\there")).isEqualTo("tab\\there");
    assertThat(LogSafe.of("x\u2028y\u2029z")).isEqualTo("x\\u2028y\\u2029z");
    assertThat(LogSafe.of("evil\u202Egnp.exe\u2066")).isEqualTo("evil\\u202egnp.exe\\u2066");
  }

  @Test
  @DisplayName("ordinary text, unicode and surrogate pairs pass unchanged (same instance when nothing changes)")
  void unchanged() {
    String s = "job 01JGZ4Y1N6Q3W8K2V5T7R9M0AB: café 😀 a\\nb";
    assertThat(LogSafe.of(s)).isSameAs(s);
    assertThat(LogSafe.of(null)).isEqualTo("null");
    assertThat(LogSafe.of(42)).isEqualTo("42");
  }

  @Test
  @DisplayName("lone surrogates are escaped; long values are cut without splitting a pair")
  void surrogatesAndLength() {
    assertThat(LogSafe.of("a\ud800b\udc00")).isEqualTo("a\\ud800b\\udc00");
    assertThat(LogSafe.of("x".repeat(600))).hasSize(LogSafe.DEFAULT_MAX + "…(+88 chars)".length()).endsWith("…(+88 chars)");
    assertThat(LogSafe.of("ab😀", 3)).isEqualTo("ab…(+2 chars)");
    assertThat(LogSafe.of("\n".repeat(10), 4)).isEqualTo("\\n\\n\\n\\n…(+6 chars)");
  }
}
