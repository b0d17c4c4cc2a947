package io.emp.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * The process-wide Prometheus registry and the Vert.x options that feed it (HTTP, event bus, pools,
 * JVM). Domain meters are registered on {@link #registry()} by the roles, with low-cardinality tags
 * only — never a job id. Scraped at {@code /metrics}.
 */
public final class Metrics {
  private static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private Metrics() {
  }

  public static PrometheusMeterRegistry prometheus() {
    return REGISTRY;
  }

  public static MeterRegistry registry() {
    return REGISTRY;
  }

  public static String scrape() {
    return REGISTRY.scrape();
  }

  /** A Vert.x builder with metrics enabled and bound to the shared registry. */
  public static VertxBuilder vertxBuilder(VertxOptions options) {
    options.setMetricsOptions(new MicrometerMetricsOptions()
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setJvmMetricsEnabled(true)
      .setEnabled(true));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(REGISTRY));
  }
}
