package io.emp.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ScenarioTest {
  static final Path SCENARIOS = Path.of("../../scripts/scenarios");

  @Test
  @DisplayName("every shipped scenario parses and plans jobs and machines")
  void shipped() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(SCENARIOS)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files.stream().map(p -> p.getFileName().toString()))
      .contains("steady.yaml", "daily-churn.yaml", "burst.yaml", "model-heavy.yaml", "smoke.yaml");
    for (Path f : files) {
      Scenario s = Scenario.load(f);
      assertThat(ChurnPlan.generate(s)).as(f.toString()).isNotEmpty();
      assertThat(ArrivalPlan.generate(s)).as(f.toString()).isNotEmpty();
    }
  }

  @Test
  @DisplayName("daily-churn goes 10 -> 50 -> 10 machines and 5 % of its departures are preemptions")
  void dailyChurn() throws IOException {
    Scenario s = Scenario.load(SCENARIOS.resolve("daily-churn.yaml"));
    double night = s.machines().stream().mapToDouble(g -> g.count().at(0)).sum();
    double peak = s.machines().stream().mapToDouble(g -> g.count().at(14 * 3_600_000L)).sum();
    double late = s.machines().stream().mapToDouble(g -> g.count().at(23 * 3_600_000L)).sum();
    assertThat(List.of(night, peak, late)).containsExactly(10.0, 50.0, 10.0);
    assertThat(s.machines()).allMatch(g -> g.preemptShare() == 0.05);
  }

  @Test
  @DisplayName("optimal pools: explicit, else from the median duration (< 30 s fast, > 3 min heavy)")
  void optimalPool() {
    Scenario s = Scenario.parse("""
      duration: 1m
      machines: [{group: g, count: 1}]
      jobs:
        - {class: a, rate: 1/s, duration: 5s}
        - {class: b, rate: 1/s, duration: {dist: uniform, min: 30s, max: 90s}}
        - {class: c, rate: 1/s, duration: 10m}
        - {class: d, rate: 1/s, duration: 10m, pool: gpu-x}
      """, "t");
    assertThat(s.jobs().stream().map(Scenario.JobClass::optimalPool).toList())
      .containsExactly("fast", "standard", "heavy", "gpu-x");
    assertThat(s.jobs().get(0).pool()).isNull();
  }

  @Test
  @DisplayName("errors name the field")
  void errors() {
    assertThatThrownBy(() -> Scenario.parse("duration: 1m\nmachines: [{group: g, count: 1}]\n"
      + "jobs: [{class: a, rate: 1/s, duration: 1s, colour: red}]", "t"))
      .hasMessageStartingWith("jobs[0].colour: unknown field");
    assertThatThrownBy(() -> Scenario.parse("duration: 1m\nmachines: [{group: g}]\njobs: [{class: a, rate: 1/s, duration: 1s}]", "t"))
      .hasMessageStartingWith("machines[0].count: a group needs count or schedule");
    assertThatThrownBy(() -> Scenario.parse("duration: 1m\nmachines: [{group: g, count: 1}]\n"
      + "jobs: [{class: a, rate: 1/s, duration: 1s, model: sdxl}]", "t"))
      .hasMessageStartingWith("jobs[0].model: must be none, popular or a model of the catalogue");
    assertThatThrownBy(() -> Scenario.parse("duration: 1m\nmachines: [{group: g, count: 1}]\n"
      + "jobs: [{class: a, rate: 1/s, duration: 1s}]\nchurn_events: [{at: 1s, action: explode, group: g}]", "t"))
      .hasMessageStartingWith("churn_events[0].action: must be preempt or drain");
  }

  @Test
  @DisplayName("broker timings are scaled to real time with floors, and the report shows what they amount to")
  void timings() {
    FleetClock.Timings t = FleetClock.Timings.of(new Scenario.Broker(15_000, 2_000, 5_000, 1_000, 120_000, 30_000,
      1_000, 3), 120);
    assertThat(t.heartbeatMs()).isEqualTo(100);
    assertThat(t.leaseMs()).isEqualTo(300);
    assertThat(t.claimPollMs()).isEqualTo(100);
    assertThat(t.reapIntervalMs()).isEqualTo(50);
    assertThat(t.graceMs()).isEqualTo(1_000);
    assertThat(t.simulated(120).get("lease")).isEqualTo(36_000);
  }
}
