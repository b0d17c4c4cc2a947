package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.redis.client.impl.types.ErrorType;
import java.net.SocketException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the chaos suite saw during Redis restarts and outages: requests that failed because Redis was
 * going away or coming back were answered 500 INTERNAL. They are 503 UNAVAILABLE — a client retries.
 */
class ErrorMapperUnavailableTest {
  private static int status(Throwable t) {
    return ErrorMapper.toApiError(t, 500, "POST /api/jobs").status();
  }

  @Test
  @DisplayName("Redis restarting, killed mid-request or failing over is 503, not 500")
  void transientRedisFailuresAre503() {
    assertThat(status(ErrorType.create("CONNECTION_CLOSED"))).isEqualTo(503);
    assertThat(status(ErrorType.create("LOADING Redis is loading the dataset in memory"))).isEqualTo(503);
    assertThat(status(ErrorType.create("BUSY Redis is busy running a script."))).isEqualTo(503);
    assertThat(status(ErrorType.create("READONLY You can't write against a read only replica."))).isEqualTo(503);
    assertThat(status(ErrorType.create("MASTERDOWN Link with MASTER is down"))).isEqualTo(503);
    assertThat(status(new SocketException("Connection reset"))).isEqualTo(503);
    assertThat(status(new RuntimeException("wrapped", new SocketException("Connection reset")))).isEqualTo(503);
  }

  @Test
  @DisplayName("other Redis errors stay bugs: 500")
  void otherErrorsStay500() {
    assertThat(status(ErrorType.create("ERR Error running script"))).isEqualTo(500);
    assertThat(status(new IllegalStateException("boom"))).isEqualTo(500);
  }
}
