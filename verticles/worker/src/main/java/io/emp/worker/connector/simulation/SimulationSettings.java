package io.emp.worker.connector.simulation;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Defaults of the simulation connector, used when a payload does not say.
 *
 * @param service    {@code EMP_SIM_SERVICE} (simulation): the service name it serves
 * @param durationMs {@code EMP_SIM_DURATION_MS} (1000)
 * @param steps      {@code EMP_SIM_STEPS} (5): progress reports per job
 * @param failRate   {@code EMP_SIM_FAIL_RATE} (0): chance that a job fails (retryably)
 * @param models     {@code EMP_SIM_MODELS} (sim-model): advertised as {@code models.<service>}
 * @param seed       {@code EMP_SIM_SEED} (none): makes the random failures reproducible
 */
public record SimulationSettings(String service, long durationMs, int steps, double failRate, List<String> models,
                                 Long seed) {
  public static final String DEFAULT_SERVICE = "simulation";
  public static final long DEFAULT_DURATION_MS = 1_000;
  public static final int DEFAULT_STEPS = 5;
  static final long MAX_DURATION_MS = 86_400_000;
  static final int MAX_STEPS = 10_000;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  public static SimulationSettings from(EnvConfig env) {
    String service = env.string("EMP_SIM_SERVICE", DEFAULT_SERVICE);
    if (!NAME.matcher(service).matches()) {
      throw new ConfigException("EMP_SIM_SERVICE=" + service + " must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    List<String> models = env.list("EMP_SIM_MODELS", List.of("sim-model"));
    String seed = env.raw("EMP_SIM_SEED");
    return new SimulationSettings(service,
      env.longValue("EMP_SIM_DURATION_MS", DEFAULT_DURATION_MS, 0, MAX_DURATION_MS),
      env.integer("EMP_SIM_STEPS", DEFAULT_STEPS, 0, MAX_STEPS),
      env.decimal("EMP_SIM_FAIL_RATE", 0, 0, 1),
      models,
      seed == null ? null : env.longValue("EMP_SIM_SEED", 0, Long.MIN_VALUE, Long.MAX_VALUE));
  }

  /** Defaults for tests: the given duration and steps, no random failures. */
  public static SimulationSettings of(long durationMs, int steps) {
    return new SimulationSettings(DEFAULT_SERVICE, durationMs, steps, 0, List.of("sim-model"), 1L);
  }
}
