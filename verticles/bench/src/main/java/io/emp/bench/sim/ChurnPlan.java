package io.emp.bench.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * When machines join, leave gracefully (drain) or are preempted (kill -9 semantics), computed up
 * front from the scenario and its seed. Per machine group, an autoscaler-like controller looks at
 * the group's target count every {@code tick}: it starts missing machines (each joins after its boot
 * time; at time 0 at once) and removes surplus ones (booting ones first, then random live ones).
 * A machine whose {@code lifetime} ends leaves by itself and is replaced at the next tick. Every
 * departure — end of life, scale-down, explicit {@code churn_events} drain — is a preemption with
 * probability {@code preempt_share}; explicit {@code preempt} events always are.
 */
public final class ChurnPlan {
  public enum Action { JOIN, DRAIN, PREEMPT }

  /**
   * One machine event at simulated time {@code atMs}. {@code preferBusy} (explicit events with
   * {@code busy: true}): at run time the victim is swapped for a machine of the group that is running
   * a job, if there is one, so that a preemption really interrupts work.
   */
  public record Event(long atMs, Action action, String machine, String group, boolean preferBusy) {
    public Event(long atMs, Action action, String machine, String group) {
      this(atMs, action, machine, group, false);
    }
  }

  private ChurnPlan() {
  }

  public static List<Event> generate(Scenario s) {
    List<Event> all = new ArrayList<>();
    for (int i = 0; i < s.machines().size(); i++) {
      all.addAll(forGroup(s, i));
    }
    all.sort(Comparator.comparingLong(Event::atMs));
    return all;
  }

  private enum Kind { EXPLICIT, END, BOOTED, TICK }

  private record Step(long at, Kind kind, String machine, Scenario.ChurnEvent explicit, long seq) {
  }

  static List<Event> forGroup(Scenario s, int groupIndex) {
    Scenario.MachineGroup g = s.machines().get(groupIndex);
    Random r = new Random(s.seed() * 31L + groupIndex * 1_009L + g.name().hashCode());
    PriorityQueue<Step> q = new PriorityQueue<>(Comparator.comparingLong(Step::at).thenComparing(Step::kind)
      .thenComparingLong(Step::seq));
    long[] seq = {0};
    for (long t = 0; t < s.durationMs(); t += s.tickMs()) {
      q.add(new Step(t, Kind.TICK, null, null, seq[0]++));
    }
    for (Scenario.ChurnEvent e : s.events()) {
      if (e.group().equals(g.name())) {
        q.add(new Step(e.atMs(), Kind.EXPLICIT, null, e, seq[0]++));
      }
    }
    List<String> alive = new ArrayList<>();
    List<String> booting = new ArrayList<>();
    List<Event> out = new ArrayList<>();
    int[] next = {0};
    while (!q.isEmpty()) {
      Step step = q.poll();
      switch (step.kind()) {
        case TICK -> {
          int target = (int) Math.round(g.count().at(step.at()));
          int have = alive.size() + booting.size();
          for (int i = have; i < target; i++) {
            String name = g.name() + "-" + (++next[0]);
            long boot = step.at() == 0 ? 0 : g.boot().sample(r);
            booting.add(name);
            q.add(new Step(step.at() + boot, Kind.BOOTED, name, null, seq[0]++));
          }
          for (int i = target; i < have; i++) {
            if (!booting.isEmpty()) {
              booting.remove(booting.size() - 1);
            } else {
              out.add(leave(step.at(), alive.remove(r.nextInt(alive.size())), g, r, false));
            }
          }
        }
        case BOOTED -> {
          if (booting.remove(step.machine())) {
            alive.add(step.machine());
            out.add(new Event(step.at(), Action.JOIN, step.machine(), g.name()));
            if (g.lifetime() != null) {
              q.add(new Step(step.at() + Math.max(1, g.lifetime().sample(r)), Kind.END, step.machine(), null, seq[0]++));
            }
          }
        }
        case END -> {
          if (step.at() < s.durationMs() && alive.remove(step.machine())) {
            out.add(leave(step.at(), step.machine(), g, r, false));
          }
        }
        case EXPLICIT -> {
          for (int i = 0; i < step.explicit().count() && !alive.isEmpty(); i++) {
            String victim = alive.remove(r.nextInt(alive.size()));
            Event e = leave(step.at(), victim, g, r, step.explicit().action().equals("preempt"));
            out.add(new Event(e.atMs(), e.action(), e.machine(), e.group(), step.explicit().busy()));
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    return out;
  }

  private static Event leave(long at, String machine, Scenario.MachineGroup g, Random r, boolean preempt) {
    boolean p = preempt || (g.preemptShare() > 0 && r.nextDouble() < g.preemptShare());
    return new Event(at, p ? Action.PREEMPT : Action.DRAIN, machine, g.name());
  }
}
