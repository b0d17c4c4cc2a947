package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import java.net.ConnectException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OutcomeReporterTest {

  @Test
  @DisplayName("Redis refusing the worker's credentials or permissions ends a report at once; outages are retried")
  void refusedAccessIsFinal() {
    assertThat(OutcomeReporter.refusedAccess(new VertxException("WRONGPASS invalid username-password pair or user is disabled.")))
      .isTrue();
    assertThat(OutcomeReporter.refusedAccess(new RuntimeException("wrapped",
      new VertxException("NOPERM User emp-machine-3 has no permissions to run the 'fcall' command")))).isTrue();
    assertThat(OutcomeReporter.refusedAccess(new VertxException("NOAUTH Authentication required."))).isTrue();
    assertThat(OutcomeReporter.refusedAccess(new ConnectException("Connection refused"))).isFalse();
    assertThat(OutcomeReporter.refusedAccess(new VertxException("CONNECTION_CLOSED"))).isFalse();
    assertThat(OutcomeReporter.refusedAccess(new VertxException("LOADING Redis is loading the dataset in memory"))).isFalse();
  }
}
