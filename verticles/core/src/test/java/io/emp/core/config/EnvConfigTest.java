package io.emp.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EnvConfigTest {

  @Test
  @DisplayName("the start-up description never shows secrets: secret-named variables, URL credentials and query tokens")
  void describeMasksSecrets() {
    String d = EnvConfig.of(Map.of(
      "EMP_API_TOKEN", "t0ps3cret",
      "EMP_REST_AUTH", "bearer:abc123",
      "EMP_OPENAI_API_KEY", "sk-live-xyz",
      "EMP_REDIS_URL", "redis://user:hunter2@redis:6379/0",
      "EMP_WS_URL", "wss://backend/ws?token=qwerty",
      "EMP_API_PORT", "3331",
      "PATH", "/usr/bin")).describe();
    assertThat(d).doesNotContain("t0ps3cret", "abc123", "sk-live-xyz", "hunter2", "qwerty", "PATH");
    assertThat(d).contains("EMP_API_PORT=3331", "EMP_REDIS_URL=redis://***@redis:6379/0", "EMP_WS_URL=wss://backend/ws?***",
      "EMP_API_TOKEN=***");
  }

  @Test
  @DisplayName("bad values name the variable")
  void errorsNameTheVariable() {
    EnvConfig env = EnvConfig.of(Map.of("EMP_X", "abc", "EMP_Y", "5", "EMP_B", "maybe"));
    assertThatThrownBy(() -> env.integer("EMP_X", 1, 0, 10)).hasMessageContaining("EMP_X");
    assertThatThrownBy(() -> env.integer("EMP_Y", 1, 6, 10)).hasMessageContaining("EMP_Y").hasMessageContaining("range");
    assertThatThrownBy(() -> env.bool("EMP_B", false)).hasMessageContaining("EMP_B");
    assertThat(env.integer("EMP_MISSING", 7, 0, 10)).isEqualTo(7);
  }
}
