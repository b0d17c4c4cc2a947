package io.emp.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The api's own meters on the process registry (HTTP request metrics come from Vert.x):
 * {@code emp_api_jobs_submitted_total{service}}, {@code emp_api_sse_streams},
 * {@code emp_api_ws_clients}. Tags stay low-cardinality: services are client-chosen names, so
 * after {@link #MAX_SERVICE_TAGS} distinct ones the rest count as {@code _other}.
 *
 * <p>The two gauges are process-wide, like the registry they live in: every api verticle of the JVM
 * adds to the same counts (the only static mutable state of the module).
 */
final class ApiMetrics {
  static final int MAX_SERVICE_TAGS = 200;
  private static final AtomicInteger SSE_STREAMS = new AtomicInteger();
  private static final AtomicInteger WS_CLIENTS = new AtomicInteger();

  private final MeterRegistry registry;
  private final Set<String> services = ConcurrentHashMap.newKeySet();

  ApiMetrics(MeterRegistry registry) {
    this.registry = registry;
    gauge("emp_api_sse_streams", "Open SSE job event streams", SSE_STREAMS);
    gauge("emp_api_ws_clients", "Open client WebSockets", WS_CLIENTS);
  }

  /** Registered by the first api verticle of the registry; later ones share it. */
  private void gauge(String name, String description, AtomicInteger value) {
    if (registry.find(name).gauge() == null) {
      Gauge.builder(name, value, AtomicInteger::get).description(description).strongReference(true).register(registry);
    }
  }

  void submitted(String service) {
    String tag = services.contains(service) || services.size() < MAX_SERVICE_TAGS && services.add(service)
      ? service
      : "_other";
    Counter.builder("emp_api_jobs_submitted")
      .description("Jobs accepted by the api (idempotent repeats not counted)")
      .tag("service", tag)
      .register(registry)
      .increment();
  }

  void sseOpened() {
    SSE_STREAMS.incrementAndGet();
  }

  void sseClosed() {
    SSE_STREAMS.decrementAndGet();
  }

  void wsOpened() {
    WS_CLIENTS.incrementAndGet();
  }

  void wsClosed() {
    WS_CLIENTS.decrementAndGet();
  }

  static int openSseStreams() {
    return SSE_STREAMS.get();
  }

  static int openWebSockets() {
    return WS_CLIENTS.get();
  }
}
