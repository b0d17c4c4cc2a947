package io.emp.supervisor.process;

import java.util.List;
import java.util.Map;

/**
 * One entry of the machine spec's {@code services}, still templated: {@code ${VAR}} references are
 * resolved per instance by {@link InstancePlanner}. See {@link MachineSpec} for the file format.
 *
 * @param name        the key under {@code services}
 * @param command     argv, never a shell string
 * @param workingDir  {@code working_dir}, null = the supervisor's; relative paths are against the spec's folder
 * @param env         extra environment, applied over the built-ins
 * @param instances   {@code per_gpu}, or a count (1 = one instance named like the service)
 * @param portBase    {@code port_base}: instance n gets {@code PORT = port_base + n}; null = no port
 * @param readiness   when an instance counts as ready
 * @param restart     restart policy, backoff and crash-loop limit
 * @param stopGraceMs {@code stop.grace_ms}, null = {@code EMP_STOP_GRACE_MS}
 * @param dependsOn   services whose instances must be ready first
 */
public record ServiceSpec(
  String name,
  List<String> command,
  String workingDir,
  Map<String, String> env,
  Instances instances,
  Integer portBase,
  Readiness readiness,
  RestartSpec restart,
  Long stopGraceMs,
  List<String> dependsOn) {

  public ServiceSpec {
    command = List.copyOf(command);
    env = Map.copyOf(env);
    dependsOn = List.copyOf(dependsOn);
  }

  /** {@code per_gpu} (one instance per GPU, possibly none) or a fixed count. */
  public record Instances(boolean perGpu, int count) {
    public static final Instances PER_GPU = new Instances(true, 0);
    public static final Instances ONE = new Instances(false, 1);

    public int countFor(int gpus) {
      return perGpu ? gpus : count;
    }

    /** One instance named exactly like the service. */
    public boolean single() {
      return !perGpu && count == 1;
    }

    /** The name of instance n of service {@code service}. */
    public String instanceName(String service, int n) {
      if (perGpu) {
        return service + "-gpu" + n;
      }
      return single() ? service : service + "-" + n;
    }
  }
}
