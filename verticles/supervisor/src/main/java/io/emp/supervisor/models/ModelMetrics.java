package io.emp.supervisor.models;

import io.emp.core.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus meters of the model manager (docs/metrics.md#supervisor): downloads by result, bytes
 * downloaded, download time, models evicted. Tags are bounded (result, reason); never a model name.
 */
final class ModelMetrics {
  private ModelMetrics() {
  }

  /** A download ended: {@code ok} with its size and time, or {@code failed}. */
  static void downloaded(boolean ok, long bytes, long elapsedMs) {
    Counter.builder("emp_model_downloads").tag("result", ok ? "ok" : "failed")
      .description("model downloads that ended, by result").register(Metrics.registry()).increment();
    if (ok) {
      Counter.builder("emp_model_download_bytes").baseUnit("bytes")
        .description("bytes of models downloaded and installed").register(Metrics.registry()).increment(bytes);
      Timer.builder("emp_model_download").description("time from the start of a download to the installed model")
        .register(Metrics.registry()).record(Math.max(0, elapsedMs), TimeUnit.MILLISECONDS);
    }
  }

  /** Models deleted: {@code reason} is {@code command} (evict_model) or {@code room} (making room for a download). */
  static void evicted(String reason, int count) {
    Counter.builder("emp_model_evictions").tag("reason", reason)
      .description("models deleted from the machine's disk").register(Metrics.registry()).increment(count);
  }
}
