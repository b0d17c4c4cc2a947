package io.emp.worker;

import io.emp.core.LogSafe;
import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorHealth;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks every connector of one worker for its health every {@code EMP_CONNECTOR_HEALTH_MS} and tells
 * the worker the result and whether it changed, so the worker withdraws the service of a backend that is down
 * (no job is claimed for it) and restores it when the backend answers again. The first check runs
 * before registration: a worker whose backend is down registers without that service.
 *
 * <p>A health probe that fails or takes longer than 2 s counts as down. Runs on the worker's context.
 */
final class ConnectorHealthMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectorHealthMonitor.class);
  private static final long PROBE_TIMEOUT_MS = 2_000;
  private static final Map<String, Integer> UP = new ConcurrentHashMap<>();

  private final Vertx vertx;
  private final Context context;
  private final String workerId;
  private final Map<String, Connector> connectors;
  private final long intervalMs;
  private final java.util.function.BiConsumer<Map<String, ConnectorHealth>, Boolean> onCheck;
  private final Map<String, ConnectorHealth> current = new LinkedHashMap<>();
  private final Map<String, Long> since = new LinkedHashMap<>();
  private long timer = -1;
  private boolean stopped;

  ConnectorHealthMonitor(Context context, String workerId, Map<String, Connector> connectors, long intervalMs,
                         java.util.function.BiConsumer<Map<String, ConnectorHealth>, Boolean> onCheck) {
    this.vertx = context.owner();
    this.context = context;
    this.workerId = workerId;
    this.connectors = connectors;
    this.intervalMs = intervalMs;
    this.onCheck = onCheck;
  }

  static void registerGauges(MeterRegistry registry, String service) {
    Gauge.builder("emp_worker_connector_up", UP, m -> m.getOrDefault(service, 0))
      .description("Connectors of this process whose backend answers, per service")
      .tag("service", service)
      .register(registry);
  }

  /** Probes every connector once; completes with the health per service (does not notify). */
  Future<Map<String, ConnectorHealth>> checkNow() {
    List<String> services = List.copyOf(connectors.keySet());
    List<Future<ConnectorHealth>> probes = services.stream().map(s -> probe(connectors.get(s))).toList();
    return OnContext.of(context, Future.join(probes)).transform(ar -> {
      Map<String, ConnectorHealth> out = new LinkedHashMap<>();
      for (int i = 0; i < services.size(); i++) {
        out.put(services.get(i), probes.get(i).result());
      }
      record(out);
      return Future.succeededFuture(out);
    });
  }

  /** Starts the periodic checks ({@code intervalMs <= 0}: never). */
  void start() {
    if (intervalMs > 0) {
      schedule();
    }
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    current.forEach((service, h) -> {
      if (h.healthy()) {
        UP.merge(service, -1, Integer::sum);
      }
    });
    current.clear();
  }

  /** The last known health per service, as the status document sent to the broker. */
  JsonObject statusDocument() {
    JsonObject doc = new JsonObject();
    current.forEach((service, h) -> {
      JsonObject s = new JsonObject().put("status", h.healthy() ? "up" : "down").put("since", since.get(service));
      if (h.detail() != null) {
        s.put("detail", h.detail());
      }
      doc.put(service, s);
    });
    return doc;
  }

  private void schedule() {
    if (stopped) {
      return;
    }
    timer = vertx.setTimer(intervalMs, t -> {
      Map<String, ConnectorHealth> before = Map.copyOf(current);
      checkNow().onComplete(ar -> {
        if (ar.succeeded()) {
          onCheck.accept(ar.result(), changed(before, ar.result()));
        }
        schedule();
      });
    });
  }

  private Future<ConnectorHealth> probe(Connector c) {
    Future<ConnectorHealth> f;
    try {
      f = c.health();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return (f == null ? Future.<ConnectorHealth>failedFuture("no answer") : f)
      .timeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
      .recover(e -> Future.succeededFuture(ConnectorHealth.down("health probe failed: " + e.getMessage())))
      .map(h -> h == null ? ConnectorHealth.down("no answer") : h);
  }

  private void record(Map<String, ConnectorHealth> now) {
    long t = System.currentTimeMillis();
    now.forEach((service, h) -> {
      ConnectorHealth old = current.get(service);
      boolean wasUp = old != null && old.healthy();
      if (old == null || wasUp != h.healthy()) {
        since.put(service, t);
        if (old != null && h.healthy()) {
          LOG.info("worker {}: connector {} is back up; service restored", workerId, service);
        } else if (!h.healthy()) {
          LOG.warn("worker {}: connector {} is down ({}); service withdrawn", workerId, service, LogSafe.of(h.detail()));
        }
        if (h.healthy() != wasUp) {
          UP.merge(service, h.healthy() ? 1 : -1, Integer::sum);
        }
      }
      current.put(service, h);
    });
  }

  private static boolean changed(Map<String, ConnectorHealth> before, Map<String, ConnectorHealth> after) {
    if (!before.keySet().equals(after.keySet())) {
      return true;
    }
    for (var e : after.entrySet()) {
      if (before.get(e.getKey()).healthy() != e.getValue().healthy()) {
        return true;
      }
    }
    return false;
  }
}
