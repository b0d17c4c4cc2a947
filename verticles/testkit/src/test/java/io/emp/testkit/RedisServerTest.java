package io.emp.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class RedisServerTest {

  @Test
  @DisplayName("the shared server answers PING on a port other than the machine's 6379")
  void sharedServerAnswers(RedisServer redis) {
    assertThat(redis.ping()).isTrue();
    assertThat(redis.port()).isNotEqualTo(6379);
    assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
  }

  @Test
  @DisplayName("each injection gets a different namespace")
  void namespacesAreFresh(TestNamespace a, TestNamespace b) {
    assertThat(a.value()).isNotEqualTo(b.value());
  }

  @Test
  @DisplayName("a private server can be killed with SIGKILL and restarted on the same port")
  void killAndRestart() {
    try (RedisServer own = RedisServer.start()) {
      int port = own.port();
      own.kill();
      assertThat(own.isRunning()).isFalse();
      assertThat(own.ping()).isFalse();
      own.restart();
      assertThat(own.port()).isEqualTo(port);
      assertThat(own.ping()).isTrue();
    }
  }

  @Test
  @DisplayName("a missing redis-server fails with an install hint; EMP_REDIS_SERVER must be executable")
  void missingBinaryExplains() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisServer.locateBinary(java.util.Map.of("PATH", "/nonexistent")))
      .hasMessageContaining("apt-get install -y redis-server")
      .hasMessageContaining(RedisServer.BINARY_ENV);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisServer.locateBinary(
        java.util.Map.of(RedisServer.BINARY_ENV, "/nonexistent/redis-server")))
      .hasMessageContaining("is not an executable file");
    assertThat(RedisServer.locateBinary(java.util.Map.of("PATH", "/nonexistent:/usr/bin:/usr/local/bin")).toString())
      .endsWith("redis-server");
  }
}
