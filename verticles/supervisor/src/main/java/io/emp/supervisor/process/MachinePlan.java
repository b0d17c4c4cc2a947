package io.emp.supervisor.process;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.supervisor.process.GpuDetector.GpuInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * Everything decided before the first spawn: the spec, the GPUs and the instances they give.
 *
 * @param spec      the parsed {@code EMP_MACHINE_SPEC}
 * @param gpuCount  {@code EMP_GPUS}, else the spec's {@code gpus}, else the GPUs nvidia-smi lists (0 without it)
 * @param gpus      what nvidia-smi reported at load time (empty without it; the spec's {@code simulated_gpu}
 *                  repeated {@code gpuCount} times when set), for the machine status
 * @param instances in start order
 */
public record MachinePlan(MachineSpec spec, int gpuCount, List<GpuInfo> gpus, List<InstanceSpec> instances) {

  public MachinePlan {
    gpus = List.copyOf(gpus);
    instances = List.copyOf(instances);
  }

  /** Reads the spec, asks nvidia-smi and expands the instances. Blocking; {@link ConfigException} on a bad spec. */
  public static MachinePlan load(ProcessConfig config, EnvConfig env, GpuDetector detector) {
    if (config.specPath() == null) {
      throw new ConfigException("EMP_MACHINE_SPEC is required: the machine spec file listing the services to run");
    }
    MachineSpec spec = MachineSpec.load(config.specPath(), env);
    List<GpuInfo> detected = detector.detect();
    int count = config.gpus() != null ? config.gpus() : spec.gpus() != null ? spec.gpus() : detected.size();
    if (detected.isEmpty() && spec.simulatedGpu() != null) {
      List<GpuInfo> simulated = new java.util.ArrayList<>();
      for (int i = 0; i < count; i++) {
        simulated.add(new GpuInfo(i, spec.simulatedGpu().name(), spec.simulatedGpu().memoryMb(), null));
      }
      detected = simulated;
    }
    try {
      return new MachinePlan(spec, count, detected, spec.instances(count, config.runDir(), config.stopGraceMs()));
    } catch (ConfigException e) {
      throw new ConfigException(config.specPath().getFileName() + " with " + count + " GPUs: " + e.getMessage());
    }
  }

  /** {@link #load(ProcessConfig, EnvConfig, GpuDetector)} on a worker thread, with the real nvidia-smi. */
  public static Future<MachinePlan> load(Vertx vertx, ProcessConfig config, EnvConfig env) {
    return vertx.executeBlocking(() -> load(config, env, new GpuDetector()), false);
  }
}
