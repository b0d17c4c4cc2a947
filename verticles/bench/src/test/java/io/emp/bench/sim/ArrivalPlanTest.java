package io.emp.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ArrivalPlanTest {
  @Test
  @DisplayName("constant arrivals are evenly spaced, and a 2x burst halves the spacing while it lasts")
  void constantWithBurst() {
    Scenario s = Scenario.parse("""
      duration: 1m
      machines: [{group: g, count: 1}]
      jobs: [{class: c, rate: 6/m, arrival: constant, duration: 1s}]
      bursts: [{at: 30s, for: 30s, factor: 2}]
      """, "t");
    assertThat(ArrivalPlan.generate(s).stream().map(ArrivalPlan.Arrival::atMs).toList())
      .containsExactly(0L, 10_000L, 20_000L, 30_000L, 35_000L, 40_000L, 45_000L, 50_000L, 55_000L);
  }

  @Test
  @DisplayName("Poisson arrivals: the count matches rate x duration, a burst adds (factor - 1) x rate x length")
  void poisson() {
    Scenario s = Scenario.parse("""
      duration: 1h
      seed: 3
      machines: [{group: g, count: 1}]
      jobs: [{class: c, rate: 10/s, duration: 1s}]
      bursts: [{at: 10m, for: 5m, factor: 10}]
      """, "t");
    List<ArrivalPlan.Arrival> plan = ArrivalPlan.generate(s);
    // 36,000 at the base rate plus 9 x 3,000 during the burst
    assertThat(plan.size()).isBetween(61_740, 64_260);
    long inBurst = plan.stream().filter(a -> a.atMs() >= 600_000 && a.atMs() < 900_000).count();
    assertThat(inBurst).isBetween(29_100L, 30_900L);
    assertThat(ArrivalPlan.generate(s)).isEqualTo(plan);
  }

  @Test
  @DisplayName("a load schedule of 0 produces no arrivals while it is 0")
  void loadSchedule() {
    Scenario s = Scenario.parse("""
      duration: 2h
      machines: [{group: g, count: 1}]
      jobs: [{class: c, rate: 60/m, duration: 1s}]
      load: [{at: 0, factor: 0}, {at: 1h, factor: 1}]
      """, "t");
    List<ArrivalPlan.Arrival> plan = ArrivalPlan.generate(s);
    assertThat(plan).allMatch(a -> a.atMs() >= 3_600_000);
    assertThat(plan.size()).isBetween(3_400, 3_800);
  }

  @Test
  @DisplayName("models are drawn by Zipf popularity: the first of three is picked 1/(1+1/2+1/3) of the time")
  void zipf() {
    Scenario s = Scenario.parse("""
      duration: 10h
      machines: [{group: g, count: 1}]
      models: {count: 3, zipf: 1, min_size: 1GB, max_size: 2GB}
      jobs: [{class: c, rate: 1/s, duration: 1s, model: popular}]
      """, "t");
    Map<String, Integer> n = new HashMap<>();
    List<ArrivalPlan.Arrival> plan = ArrivalPlan.generate(s);
    plan.forEach(a -> n.merge(a.model(), 1, Integer::sum));
    double h = 1 + 0.5 + 1 / 3.0;
    assertThat(n.get("model-01") / (double) plan.size()).isCloseTo(1 / h, org.assertj.core.data.Offset.offset(0.01));
    assertThat(n.get("model-03") / (double) plan.size()).isCloseTo(1 / 3.0 / h, org.assertj.core.data.Offset.offset(0.01));
  }
}
