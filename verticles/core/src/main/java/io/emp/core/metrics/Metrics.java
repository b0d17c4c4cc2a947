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

  /**
   * The Prometheus text of the registry plus every registered exposition (families Micrometer cannot
   * express, e.g. histograms whose buckets are counted in Redis).
   */
  public static String scrape() {
    StringBuilder b = new StringBuilder(REGISTRY.scrape());
    for (java.util.function.Supplier<String> extra : EXTRA.values()) {
      String text = extra.get();
      if (text != null && !text.isEmpty()) {
        if (b.length() > 0 && b.charAt(b.length() - 1) != '\n') {
          b.append('\n');
        }
        b.append(text);
      }
    }
    return b.toString();
  }

  private static final java.util.Map<String, java.util.function.Supplier<String>> EXTRA =
    new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Adds Prometheus text (classic 0.0.4 format, whole families) to every scrape of this process, under
   * {@code key}: a later registration of the same key replaces the earlier one, so two routers in one
   * JVM (tests, the standalone jar) never write a family twice.
   */
  public static void addExposition(String key, java.util.function.Supplier<String> text) {
    EXTRA.put(key, text);
  }

  /** Removes the exposition of {@code key} if it is still {@code text}. */
  public static void removeExposition(String key, java.util.function.Supplier<String> text) {
    EXTRA.remove(key, text);
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
