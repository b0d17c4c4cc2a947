package io.emp.supervisor.process;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Prometheus meters per instance, read from {@link ProcessSupervisor#status()} at scrape time (it is
 * non-blocking and thread-safe): {@code emp_supervisor_service_up} (1 when ready),
 * {@code emp_supervisor_service_restarts_total}, {@code emp_supervisor_service_memory_bytes}. Tags are
 * the instance and service names, bounded by the spec and the GPU count.
 */
public final class ProcessMetrics {
  private ProcessMetrics() {
  }

  /** Registers the meters of every instance; call once, e.g. with {@code Metrics.registry()}. */
  public static void bind(ProcessSupervisor supervisor, MeterRegistry registry) {
    for (ServiceStatus s : supervisor.status()) {
      String name = s.name();
      Tags tags = Tags.of("process", name, "service", s.service()); // not "instance": Prometheus sets that label itself
      Gauge.builder("emp_supervisor_service_up", supervisor, sup -> state(sup, name) == ServiceState.READY ? 1 : 0)
        .tags(tags)
        .description("1 when the instance passed its readiness probe and runs")
        .register(registry);
      FunctionCounter.builder("emp_supervisor_service_restarts", supervisor, sup -> restarts(sup, name))
        .tags(tags)
        .description("automatic and explicit restarts of the instance")
        .register(registry);
      Gauge.builder("emp_supervisor_service_memory_bytes", supervisor, sup -> memory(sup, name))
        .tags(tags)
        .baseUnit("bytes")
        .description("resident memory (VmRSS) of the instance's process tree, last sample")
        .register(registry);
    }
  }

  private static ServiceStatus find(ProcessSupervisor sup, String name) {
    return sup.status().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
  }

  private static ServiceState state(ProcessSupervisor sup, String name) {
    ServiceStatus s = find(sup, name);
    return s == null ? null : s.state();
  }

  private static double restarts(ProcessSupervisor sup, String name) {
    ServiceStatus s = find(sup, name);
    return s == null ? 0 : s.restarts();
  }

  private static double memory(ProcessSupervisor sup, String name) {
    ServiceStatus s = find(sup, name);
    return s == null || s.memoryBytes() == null ? Double.NaN : s.memoryBytes();
  }
}
