package io.emp.supervisor.process;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What runs on this machine: the parsed machine spec file ({@code EMP_MACHINE_SPEC}).
 *
 * <p>Format ({@code .yaml}/{@code .yml}, or the same shape as {@code .json}); unknown fields are errors:
 * <pre>{@code
 * machine: {id: "${EMP_MACHINE_ID}", pool: fast}  # optional; id defaults to EMP_MACHINE_ID, then HOSTNAME
 * gpus: auto          # or an integer; auto = nvidia-smi (none → 0). EMP_GPUS overrides both.
 * simulated_gpu: {name: "Simulated RTX 4090", memory_mb: 24576}   # optional: with no nvidia-smi GPUs,
 *                     # report each of the gpus as this (marked simulated) — demo and test machines
 * services:
 *   comfyui:
 *     command: ["python3", "main.py", "--port", "${PORT}",            # argv list, never a shell string
 *               "--output-directory", "${INSTANCE_DIR}/output"]
 *     working_dir: /opt/ComfyUI       # optional; relative = against the spec file's folder
 *     env: {PYTHONUNBUFFERED: "1"}    # optional; set over the built-ins and the inherited environment
 *     instances: per_gpu              # per_gpu | a count (default 1; 0 disables the service)
 *     port_base: 8188                 # optional; instance n gets PORT = port_base + n
 *     readiness: {http: "/system_stats", timeout_s: 120}   # or {tcp: true} | {log: "regex"} | none (default)
 *     restart: {policy: always, backoff_initial_ms: 1000, backoff_max_ms: 60000,
 *               crash_loop: {restarts: 5, window_s: 60}, reset_after_s: 30}  # or restart: never
 *     stop: {grace_ms: 10000}         # SIGTERM → SIGKILL delay; default EMP_STOP_GRACE_MS
 *   worker:
 *     command: ["java", "-jar", "/opt/emp/emp-worker.jar"]
 *     instances: per_gpu
 *     env: {EMP_COMFYUI_URL: "http://127.0.0.1:${PORT:comfyui}"}
 *     depends_on: [comfyui]           # per_gpu → per_gpu: worker-gpuN waits for comfyui-gpuN only
 * }</pre>
 *
 * <p>Instance names: {@code <service>-gpu<n>} for {@code per_gpu}, {@code <service>} for one instance,
 * {@code <service>-<n>} for a count. Built-in variables, also exported to the child: {@code INSTANCE},
 * {@code INSTANCE_DIR} ({@code <run dir>/<instance>}, created before the spawn), {@code MACHINE_ID};
 * {@code GPU_INDEX} and {@code CUDA_VISIBLE_DEVICES} for {@code per_gpu}; {@code PORT} with a
 * {@code port_base}. {@code ${VAR}} reads the built-ins, then the environment; {@code ${VAR:-default}};
 * {@code ${PORT:<service>}} is the port of that service's instance on the same GPU (or of its only
 * instance). An unknown variable without default is an error naming it, reported at load time.
 *
 * <p>Dependencies: an instance starts once every instance it depends on is ready. {@code per_gpu} on
 * {@code per_gpu} pairs by GPU; any other combination waits for all instances of the dependency.
 * With 0 GPUs (a CPU or simulation machine) {@code per_gpu} services have no instances, and whatever
 * depends on them waits for nothing.
 *
 * @param machineId resolved {@code machine.id}, else {@code EMP_MACHINE_ID}, else {@code HOSTNAME}
 * @param pool      {@code machine.pool}, or null
 * @param gpus      {@code gpus}, null = auto
 * @param simulatedGpu {@code simulated_gpu}, or null
 * @param services  in start order (dependencies first)
 * @param baseDir   the spec file's folder, for relative working dirs; null = the current directory
 * @param env       where {@code ${VAR}} values come from
 */
public record MachineSpec(
  String machineId,
  String pool,
  Integer gpus,
  SimulatedGpu simulatedGpu,
  Map<String, ServiceSpec> services,
  Path baseDir,
  EnvConfig env) {

  /** What a machine without real GPUs reports for each of its {@code gpus} ({@code simulated_gpu}). */
  public record SimulatedGpu(String name, long memoryMb) {
  }

  /** Reads and checks a spec file. Blocking: call from a worker thread. */
  public static MachineSpec load(Path file, EnvConfig env) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.charset.CharacterCodingException e) {
      // the bare exception says only "Input length = 1" (found by MachineSpecFuzzTest)
      throw new ConfigException("EMP_MACHINE_SPEC=" + file + ": the machine spec is not valid UTF-8");
    } catch (IOException e) {
      throw new ConfigException("EMP_MACHINE_SPEC=" + file + ": cannot read the machine spec: " + e);
    }
    return parse(text, file.getFileName().toString(), file.toAbsolutePath().getParent(), env);
  }

  /** Parses spec text; {@code fileName}'s extension picks JSON or YAML and prefixes every error. */
  public static MachineSpec parse(String text, String fileName, Path baseDir, EnvConfig env) {
    Object document = SpecParser.decode(text, fileName);
    try {
      return SpecParser.parse(document, baseDir, env);
    } catch (ConfigException e) {
      throw new ConfigException(fileName + ": " + e.getMessage());
    }
  }

  /**
   * The instances to supervise on a machine with {@code gpuCount} GPUs, in start order.
   *
   * @param runDir             parent of every {@code INSTANCE_DIR}
   * @param defaultStopGraceMs grace for services without {@code stop.grace_ms}
   */
  public List<InstanceSpec> instances(int gpuCount, Path runDir, long defaultStopGraceMs) {
    return InstancePlanner.plan(this, gpuCount, runDir, defaultStopGraceMs);
  }
}
