package io.emp.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.bench.sim.ChurnPlan.Action;
import io.emp.bench.sim.ChurnPlan.Event;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ChurnPlanTest {
  private static Scenario scenario(String machines, String extra) {
    return Scenario.parse("""
      duration: 5m
      tick: 1m
      machines:
      %s
      jobs:
        - {class: c, rate: 1/m, duration: 1s}
      %s
      """.formatted(machines, extra), "t");
  }

  @Test
  @DisplayName("joins at time 0 without boot, replacements after the boot time, lifetimes end in drains")
  void exactSchedule() {
    Scenario s = scenario("""
        - group: g
          schedule: [{at: 0, machines: 1}, {at: 2m, machines: 3}]
          boot: 30s
          lifetime: 2m
      """, "churn_events: [{at: 90s, action: preempt, group: g}]");
    assertThat(ChurnPlan.generate(s)).containsExactly(
      new Event(0, Action.JOIN, "g-1", "g"),
      new Event(90_000, Action.PREEMPT, "g-1", "g"),
      new Event(150_000, Action.JOIN, "g-2", "g"),
      new Event(150_000, Action.JOIN, "g-3", "g"),
      new Event(150_000, Action.JOIN, "g-4", "g"),
      new Event(270_000, Action.DRAIN, "g-2", "g"),
      new Event(270_000, Action.DRAIN, "g-3", "g"),
      new Event(270_000, Action.DRAIN, "g-4", "g"));
  }

  @Test
  @DisplayName("scale-down cancels booting machines first, then drains live ones; preempt_share 1 preempts every departure")
  void scaleDown() {
    Scenario s = scenario("""
        - group: g
          schedule: [{at: 0, machines: 2}, {at: 1m, machines: 4}, {at: 2m, machines: 1}]
          boot: 90s
          preempt_share: 1
      """, "");
    List<Event> plan = ChurnPlan.generate(s);
    // the two machines started at 1m would join at 2m30s but are cancelled at 2m; one of the first two leaves
    assertThat(plan).hasSize(3);
    assertThat(plan.subList(0, 2)).containsExactly(new Event(0, Action.JOIN, "g-1", "g"),
      new Event(0, Action.JOIN, "g-2", "g"));
    assertThat(plan.get(2).atMs()).isEqualTo(120_000);
    assertThat(plan.get(2).action()).isEqualTo(Action.PREEMPT);
    assertThat(plan.get(2).machine()).isIn("g-1", "g-2");
  }

  @Test
  @DisplayName("about preempt_share of the departures are preemptions, the rest drains; same seed, same plan")
  void preemptShare() {
    Scenario s = Scenario.parse("""
      duration: 30d
      tick: 10m
      seed: 5
      machines:
        - {group: g, count: 50, lifetime: {dist: exponential, mean: 2h}, boot: 1m, preempt_share: 0.05}
      jobs:
        - {class: c, rate: 1/h, duration: 1s}
      """, "t");
    List<Event> plan = ChurnPlan.generate(s);
    long preempted = plan.stream().filter(e -> e.action() == Action.PREEMPT).count();
    long drained = plan.stream().filter(e -> e.action() == Action.DRAIN).count();
    assertThat(preempted + drained).isGreaterThan(10_000);
    assertThat(preempted / (double) (preempted + drained)).isBetween(0.04, 0.06);
    assertThat(ChurnPlan.generate(s)).isEqualTo(plan);
  }

  @Test
  @DisplayName("a linear ramp reaches its target count at the end of the ramp")
  void ramp() {
    Schedule sched = new Schedule(List.of(new Schedule.Point(0, 10, 0), new Schedule.Point(3_600_000, 50, 4 * 3_600_000)));
    assertThat(sched.at(0)).isEqualTo(10);
    assertThat(sched.at(3_600_000)).isEqualTo(10);
    assertThat(sched.at(3 * 3_600_000)).isEqualTo(30);
    assertThat(sched.at(5 * 3_600_000)).isEqualTo(50);
    assertThat(sched.at(9 * 3_600_000)).isEqualTo(50);
  }
}
