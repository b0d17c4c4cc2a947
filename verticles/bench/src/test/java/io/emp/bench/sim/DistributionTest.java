package io.emp.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DistributionTest {
  private static Distribution parse(Object value) {
    return Distribution.parse(new Spec("jobs[0]", Map.of("duration", value)), "duration");
  }

  @Test
  @DisplayName("a bare duration is a constant; every draw is exactly that")
  void constant() {
    Distribution d = parse("2.5s");
    assertThat(d).isEqualTo(new Distribution.Constant(2_500));
    Random r = new Random(1);
    for (int i = 0; i < 100; i++) {
      assertThat(d.sample(r)).isEqualTo(2_500);
    }
    assertThat(parse(Map.of("dist", "constant", "value", "1m")).sample(r)).isEqualTo(60_000);
  }

  @Test
  @DisplayName("uniform draws stay within [min, max] and average to the midpoint")
  void uniform() {
    Distribution d = parse(Map.of("dist", "uniform", "min", "30s", "max", "90s"));
    assertThat(d.median()).isEqualTo(60_000);
    Random r = new Random(42);
    long sum = 0;
    for (int i = 0; i < 20_000; i++) {
      long v = d.sample(r);
      assertThat(v).isBetween(30_000L, 90_000L);
      sum += v;
    }
    assertThat(sum / 20_000.0).isCloseTo(60_000, org.assertj.core.data.Offset.offset(600.0));
  }

  @Test
  @DisplayName("lognormal: half of the draws below the median, clamped to [min, max]")
  void lognormal() {
    Distribution d = parse(Map.of("dist", "lognormal", "median", "2s", "sigma", 0.5, "min", "1s", "max", "10s"));
    assertThat(d.median()).isEqualTo(2_000);
    Random r = new Random(7);
    int below = 0;
    for (int i = 0; i < 20_000; i++) {
      long v = d.sample(r);
      assertThat(v).isBetween(1_000L, 10_000L);
      if (v < 2_000) {
        below++;
      }
    }
    assertThat(below / 20_000.0).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.02));
    assertThat(d.mean()).isCloseTo(2_000 * Math.exp(0.125), org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  @DisplayName("exponential: the mean is the mean, the median is mean times ln 2")
  void exponential() {
    Distribution d = parse(Map.of("dist", "exponential", "mean", "1h"));
    assertThat(d.median()).isCloseTo(3_600_000 * Math.log(2), org.assertj.core.data.Offset.offset(1e-6));
    Random r = new Random(3);
    double sum = 0;
    for (int i = 0; i < 50_000; i++) {
      sum += d.sample(r);
    }
    assertThat(sum / 50_000).isCloseTo(3_600_000, org.assertj.core.data.Offset.offset(3_600_000 * 0.02));
  }

  @Test
  @DisplayName("the same seed gives the same draws")
  void deterministic() {
    Distribution d = parse(Map.of("dist", "lognormal", "median", "5s"));
    Random a = new Random(9);
    Random b = new Random(9);
    for (int i = 0; i < 100; i++) {
      assertThat(d.sample(a)).isEqualTo(d.sample(b));
    }
  }

  @Test
  @DisplayName("bad distributions are refused naming the field")
  void refused() {
    assertThatThrownBy(() -> parse(Map.of("dist", "gamma", "mean", "1s")))
      .hasMessageStartingWith("jobs[0].duration.dist: unknown distribution 'gamma'");
    assertThatThrownBy(() -> parse(Map.of("dist", "uniform", "min", "1s")))
      .hasMessageStartingWith("jobs[0].duration.max: is required");
    assertThatThrownBy(() -> parse(Map.of("dist", "lognormal", "median", "2s", "sigma", 0.5, "mu", 1)))
      .hasMessageStartingWith("jobs[0].duration.mu: unknown field");
    assertThatThrownBy(() -> parse("2 parsecs")).hasMessageStartingWith("jobs[0].duration: expected a duration");
  }

  @Test
  @DisplayName("durations, sizes, speeds and rates parse with their units")
  void units() {
    assertThat(Units.durationMs("6h30m")).isEqualTo(23_400_000);
    assertThat(Units.durationMs("1m30s")).isEqualTo(90_000);
    assertThat(Units.durationMs("500ms")).isEqualTo(500);
    assertThat(Units.durationMs(2)).isEqualTo(2_000);
    assertThat(Units.bytes("1.5GB")).isEqualTo(1_500_000_000L);
    assertThat(Units.bytesPerSecond("200MB/s")).isEqualTo(200e6);
    assertThat(Units.perSecond("30/m")).isEqualTo(0.5);
    assertThat(Units.perSecond("36/h")).isEqualTo(0.01);
    assertThatThrownBy(() -> Units.perSecond("30 per minute")).isInstanceOf(IllegalArgumentException.class);
  }
}
