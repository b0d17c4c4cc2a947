package io.emp.worker;

import io.emp.core.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's meters on the process-wide registry. Tags are low-cardinality only (service and
 * outcome); the gauges add up every worker of the process.
 *
 * <ul>
 *   <li>{@code emp_worker_jobs_total{service,outcome}}: outcome = completed, failed, cancelled, lost, released</li>
 *   <li>{@code emp_worker_job_seconds{service}}: time from claim to outcome</li>
 *   <li>{@code emp_worker_slots_busy}, {@code emp_worker_slots}: busy and total slots</li>
 *   <li>{@code emp_worker_claims_total{result}}: claim calls that got jobs ({@code jobs}), none
 *       ({@code empty}) or an error ({@code error})</li>
 * </ul>
 */
final class WorkerMetrics {
  static final WorkerMetrics INSTANCE = new WorkerMetrics(Metrics.registry());

  private final MeterRegistry registry;
  private final AtomicInteger busy = new AtomicInteger();
  private final AtomicInteger slots = new AtomicInteger();

  private WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("emp_worker_slots_busy", busy, AtomicInteger::get)
      .description("Job slots of this process's workers that are running a job")
      .register(registry);
    Gauge.builder("emp_worker_slots", slots, AtomicInteger::get)
      .description("Job slots of this process's registered workers")
      .register(registry);
  }

  void slotsAdded(int n) {
    slots.addAndGet(n);
  }

  void jobStarted() {
    busy.incrementAndGet();
  }

  void jobFinished(String service, String outcome, Duration took) {
    busy.decrementAndGet();
    Counter.builder("emp_worker_jobs_total")
      .description("Job attempts that ended on this worker, by outcome")
      .tag("service", service)
      .tag("outcome", outcome)
      .register(registry)
      .increment();
    Timer.builder("emp_worker_job_seconds")
      .description("Time from claim to outcome of a job attempt")
      .tag("service", service)
      .register(registry)
      .record(took);
  }

  void claimed(String result) {
    Counter.builder("emp_worker_claims_total")
      .description("Claim calls, by result (jobs, empty, error)")
      .tag("result", result)
      .register(registry)
      .increment();
  }

  double jobs(String service, String outcome) {
    Counter c = registry.find("emp_worker_jobs_total").tag("service", service).tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }
}
