package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.supervisor.process.RestartSpec.Policy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RestartBudgetTest {
  private static final RestartSpec SPEC = new RestartSpec(Policy.ALWAYS, 1_000, 60_000, 5, 60_000, 30_000);

  @Test
  @DisplayName("delays double from 1 s to the 60 s cap; stable() starts over from the initial delay")
  void backoff() {
    RestartSpec roomy = new RestartSpec(Policy.ALWAYS, 1_000, 60_000, 100, 60_000, 30_000);
    RestartBudget b = new RestartBudget(roomy);
    long[] delays = new long[8];
    for (int i = 0; i < delays.length; i++) {
      delays[i] = b.afterCrash(i);
    }
    assertThat(delays).containsExactly(1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000);
    b.stable();
    assertThat(b.afterCrash(10)).isEqualTo(1_000);
  }

  @Test
  @DisplayName("the restart after N within the window is refused (crash loop); older restarts leave the window")
  void crashLoopWindow() {
    RestartBudget b = new RestartBudget(SPEC);
    for (int i = 0; i < 5; i++) {
      assertThat(b.afterCrash(i * 1_000)).isPositive();
    }
    assertThat(b.afterCrash(5_000)).isEqualTo(RestartBudget.CRASH_LOOP);
    assertThat(b.recentRestarts()).isEqualTo(5);
    assertThat(b.afterCrash(60_500)).as("the restart at 0 s left the window").isPositive();
    b.reset();
    assertThat(b.recentRestarts()).isZero();
    assertThat(b.afterCrash(61_000)).isEqualTo(1_000);
  }
}
