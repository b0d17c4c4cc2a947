package io.emp.supervisor.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One process to supervise, fully resolved: no templates left. Built by {@link InstancePlanner}.
 *
 * @param name        {@code comfyui-gpu0}, {@code simulation}, {@code sd-1}
 * @param service     the spec's service name
 * @param gpuIndex    the GPU of a {@code per_gpu} instance, else null
 * @param ordinal     n among the service's instances
 * @param port        {@code port_base + n}, or null
 * @param instanceDir {@code <run dir>/<name>}, created before the spawn
 * @param command     argv
 * @param workingDir  null = the supervisor's
 * @param env         variables set over the inherited environment (built-ins, then the spec's {@code env})
 * @param readiness   the readiness probe
 * @param restart     restart policy
 * @param stopGraceMs SIGTERM → SIGKILL delay
 * @param dependsOn   instance names that must be ready before this one starts
 */
public record InstanceSpec(
  String name,
  String service,
  Integer gpuIndex,
  int ordinal,
  Integer port,
  Path instanceDir,
  List<String> command,
  Path workingDir,
  Map<String, String> env,
  Readiness readiness,
  RestartSpec restart,
  long stopGraceMs,
  List<String> dependsOn) {

  public InstanceSpec {
    command = List.copyOf(command);
    env = Map.copyOf(env);
    dependsOn = List.copyOf(dependsOn);
  }
}
