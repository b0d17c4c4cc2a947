package io.emp.supervisor.models;

import io.emp.core.config.EnvConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * The model manager's settings (docs/supervisor.md#configuration), parsed once from the environment.
 *
 * @param enabled         {@code EMP_MODELS_ENABLED} (true when {@code EMP_MODELS_DIR} or {@code EMP_MODELS_CATALOG}
 *                        is set, else false)
 * @param dir             {@code EMP_MODELS_DIR} ({@code <EMP_RUN_DIR>/models}): one file per model, {@code .partial/} for downloads
 * @param catalog         {@code EMP_MODELS_CATALOG} (none: nothing can be downloaded): JSON or YAML, name → {url, bytes, sha256}
 * @param budgetBytes     {@code EMP_MODELS_BUDGET_BYTES} (0 = the models on disk at start plus 80 % of the free space)
 * @param bandwidthBps    {@code EMP_MODELS_BANDWIDTH_BPS} (0 = no cap): bytes per second over every download together
 * @param parallel        {@code EMP_MODELS_PARALLEL} (2): downloads at once; the others wait in order
 * @param retries         {@code EMP_MODELS_RETRIES} (5): consecutive attempts without progress before a download fails
 * @param retryBackoffMs  {@code EMP_MODELS_RETRY_BACKOFF_MS} (1000): first retry delay, doubled per retry up to 30 s
 * @param stallMs         {@code EMP_MODELS_STALL_MS} (60000): a connection that delivers nothing this long is retried
 * @param demandHours     {@code EMP_MODELS_DEMAND_HOURS} (24): hours of demand history the eviction forecast reads
 */
public record ModelsConfig(
  boolean enabled,
  Path dir,
  Path catalog,
  long budgetBytes,
  long bandwidthBps,
  int parallel,
  int retries,
  long retryBackoffMs,
  long stallMs,
  int demandHours) {

  public static final long MAX_BACKOFF_MS = 30_000;
  /** Smoothing factor of the demand forecast, as the router's placement default (docs/pools-and-models.md). */
  public static final double ALPHA = 0.5;
  /** Share of the free space the default budget may fill. */
  public static final double DEFAULT_BUDGET_SHARE = 0.8;

  public static ModelsConfig from(EnvConfig env, Path runDir) {
    String dir = env.raw("EMP_MODELS_DIR");
    String catalog = env.raw("EMP_MODELS_CATALOG");
    return new ModelsConfig(
      env.bool("EMP_MODELS_ENABLED", dir != null || catalog != null),
      dir == null ? runDir.resolve("models").toAbsolutePath() : Path.of(dir).toAbsolutePath(),
      catalog == null ? null : Path.of(catalog).toAbsolutePath(),
      env.longValue("EMP_MODELS_BUDGET_BYTES", 0, 0, Long.MAX_VALUE),
      env.longValue("EMP_MODELS_BANDWIDTH_BPS", 0, 0, Long.MAX_VALUE),
      env.integer("EMP_MODELS_PARALLEL", 2, 1, 64),
      env.integer("EMP_MODELS_RETRIES", 5, 0, 1_000),
      env.longValue("EMP_MODELS_RETRY_BACKOFF_MS", 1_000, 1, 600_000),
      env.longValue("EMP_MODELS_STALL_MS", 60_000, 1_000, 3_600_000),
      env.integer("EMP_MODELS_DEMAND_HOURS", 24, 1, 192));
  }

  /** Whether models can be downloaded (a catalog is configured): then the workers say {@code model_downloads}. */
  public boolean downloads() {
    return enabled && catalog != null;
  }

  /**
   * A worker's {@code EMP_WORKER_CAPABILITIES} ({@code existing}, null when unset) on a machine whose
   * manager downloads: {@code model_downloads: true} (its machine's inventory makes it warm, and it
   * may take a job cold after {@code affinity_wait_ms}) and, with a bandwidth cap,
   * {@code download_bytes_per_s} — unless the operator set them. An invalid value is passed on
   * unchanged for the worker to refuse.
   */
  public String workerCapabilities(String existing) {
    JsonObject caps;
    try {
      caps = existing == null ? new JsonObject() : new JsonObject(existing);
    } catch (RuntimeException e) {
      return existing;
    }
    if (!caps.containsKey("model_downloads")) {
      caps.put("model_downloads", true);
    }
    if (bandwidthBps > 0 && !caps.containsKey("download_bytes_per_s")) {
      caps.put("download_bytes_per_s", bandwidthBps);
    }
    return caps.encode();
  }

  /** The directory downloads are written to before they are verified and moved into place. */
  public Path partialDir() {
    return dir.resolve(".partial");
  }
}
