package io.emp.bench.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * When each job arrives, of which class, needing which model: generated up front from the scenario
 * and its seed, so two runs of a scenario submit the same jobs. A Poisson class uses thinning over
 * the load schedule and bursts (a non-homogeneous Poisson process); a constant class spaces its jobs
 * evenly at the current rate.
 */
public final class ArrivalPlan {
  /** One job to submit at simulated time {@code atMs}. {@code model} is null when the class needs none. */
  public record Arrival(long atMs, int classIndex, String model) {
  }

  private ArrivalPlan() {
  }

  public static List<Arrival> generate(Scenario s) {
    List<Arrival> all = new ArrayList<>();
    for (int i = 0; i < s.jobs().size(); i++) {
      all.addAll(forClass(s, i));
    }
    all.sort(Comparator.comparingLong(Arrival::atMs).thenComparingInt(Arrival::classIndex));
    return all;
  }

  static List<Arrival> forClass(Scenario s, int index) {
    Scenario.JobClass c = s.jobs().get(index);
    Random r = new Random(s.seed() * 1_000_003L + index * 7919L + c.name().hashCode());
    ModelPicker picker = new ModelPicker(s.models());
    List<Arrival> out = new ArrayList<>();
    double perMs = c.ratePerSec() / 1_000;
    if (c.poisson()) {
      double maxRate = perMs * s.maxFactor(c.name());
      if (maxRate <= 0) {
        return out;
      }
      double t = 0;
      while (true) {
        t += -Math.log(1 - r.nextDouble()) / maxRate;
        if (t >= s.durationMs()) {
          break;
        }
        double accept = perMs * s.factor(c.name(), (long) t) / maxRate;
        if (r.nextDouble() < accept) {
          out.add(new Arrival((long) t, index, model(c, picker, r)));
        }
      }
    } else {
      double t = 0;
      while (t < s.durationMs()) {
        double rate = perMs * s.factor(c.name(), (long) t);
        if (rate <= 0) {
          t += 1_000;
          continue;
        }
        out.add(new Arrival(Math.round(t), index, model(c, picker, r)));
        t += 1 / rate;
      }
    }
    return out;
  }

  private static String model(Scenario.JobClass c, ModelPicker picker, Random r) {
    if (!c.needsModel()) {
      return null;
    }
    return c.drawsModel() ? picker.pick(r.nextDouble()) : c.model();
  }

  /** Picks a model with probability proportional to its weight (Zipf for generated catalogues). */
  static final class ModelPicker {
    private final List<Scenario.Model> models;
    private final double[] cumulative;

    ModelPicker(List<Scenario.Model> models) {
      this.models = models;
      this.cumulative = new double[models.size()];
      double sum = 0;
      for (int i = 0; i < models.size(); i++) {
        sum += models.get(i).weight();
        cumulative[i] = sum;
      }
    }

    /** {@code u} in [0, 1). */
    String pick(double u) {
      double x = u * cumulative[cumulative.length - 1];
      for (int i = 0; i < cumulative.length; i++) {
        if (x < cumulative[i]) {
          return models.get(i).name();
        }
      }
      return models.get(models.size() - 1).name();
    }
  }
}
