package io.emp.worker.connector.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafePathTest {
  private static final URI BASE = URI.create("http://backend:8080/api/v1");

  @Test
  @DisplayName("relative paths resolve below the base URL")
  void below() {
    assertThat(SafePath.resolve(BASE, "jobs/42").toString()).isEqualTo("http://backend:8080/api/v1/jobs/42");
    assertThat(SafePath.resolve(BASE, "/jobs?x=1").toString()).isEqualTo("http://backend:8080/api/v1/jobs?x=1");
    assertThat(SafePath.resolve(BASE, "")).isEqualTo(BASE);
  }

  @ParameterizedTest
  @DisplayName("absolute URLs, other hosts, dot segments and control characters are refused")
  @ValueSource(strings = {"http://evil/x", "HTTPS://evil/x", "//evil/x", "../admin", "a/../../b", "%2e%2e/secret",
    "a\\b", "ok\nHost: evil", "file:///etc/passwd", "./x"})
  void refused(String path) {
    assertThatThrownBy(() -> SafePath.resolve(BASE, path)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("retry classification: 5xx, 408 and 429 retry; other 4xx are permanent; Retry-After is read")
  void classification() {
    assertThat(BackendFailure.isRetryableStatus(503)).isTrue();
    assertThat(BackendFailure.isRetryableStatus(429)).isTrue();
    assertThat(BackendFailure.isRetryableStatus(400)).isFalse();
    assertThat(BackendFailure.isRetryableStatus(404)).isFalse();
    assertThat(BackendFailure.retryAfterSeconds("7")).isEqualTo(7);
    assertThat(BackendFailure.retryAfterSeconds("soon")).isNull();
    assertThat(BackendFailure.fromThrowable("x", new java.net.ConnectException("refused")))
      .isEqualTo(io.emp.worker.connector.JobOutcome.failure("x: refused", true));
    assertThat(BackendFailure.fromThrowable("x", new IllegalArgumentException("no prompt")))
      .isEqualTo(io.emp.worker.connector.JobOutcome.failure("x: no prompt", false));
  }
}
