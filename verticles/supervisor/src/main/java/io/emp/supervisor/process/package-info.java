/**
 * The machine's process supervision (the PM2 replacement): what runs, how it starts, stays up and stops.
 *
 * <ul>
 *   <li>{@link io.emp.supervisor.process.ProcessConfig} — the {@code EMP_*} settings of this package;</li>
 *   <li>{@link io.emp.supervisor.process.MachineSpec} — the spec file format (documented there) and its
 *       parsing; {@link io.emp.supervisor.process.MachinePlan} — spec + GPU count → instances;</li>
 *   <li>{@link io.emp.supervisor.process.GpuDetector} — nvidia-smi (none → 0 GPUs);</li>
 *   <li>{@link io.emp.supervisor.process.ProcessSupervisor} — start in dependency order behind readiness
 *       probes, restart with backoff and crash-loop detection, stop with SIGTERM, grace and a SIGKILL of
 *       the process tree; {@link io.emp.supervisor.process.ServiceStatus} snapshots and change listeners;</li>
 *   <li>{@link io.emp.supervisor.process.LogFiles} — per-instance rotated output files and in-memory tails;
 *       {@link io.emp.supervisor.process.LogCli} — {@code emp-supervisor logs}.</li>
 * </ul>
 *
 * <p>Nothing here runs a shell: commands are argv lists. Nothing blocks an event loop: spawns, signals
 * and {@code /proc} reads run in {@code executeBlocking}, child output is read on daemon threads, and
 * exits arrive as completions re-dispatched onto the supervisor's context.
 */
package io.emp.supervisor.process;
