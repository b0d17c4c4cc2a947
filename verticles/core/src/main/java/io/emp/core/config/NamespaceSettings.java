package io.emp.core.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Namespace-wide broker settings kept in Redis ({@code emp_configure}), read by every function call.
 * Only the variables that are set are applied, so roles started without them never overwrite what
 * an operator configured elsewhere. The router applies them at start (and the standalone jar).
 */
public final class NamespaceSettings {
  /** EMP variable → configuration name in the function library, with its allowed range. */
  private static final Map<String, long[]> RANGES = new LinkedHashMap<>();
  private static final Map<String, String> NAMES = new LinkedHashMap<>();

  static {
    define("EMP_RETENTION_COMPLETED_MS", "retention_completed_ms", 1_000, 365L * 86_400_000);
    define("EMP_RETENTION_FAILED_MS", "retention_failed_ms", 1_000, 365L * 86_400_000);
    define("EMP_RETRY_AVOID_MS", "retry_avoid_ms", 0, 86_400_000);
    define("EMP_POISON_LOSSES", "poison_losses", 1, 100);
    define("EMP_EVENTS_MAXLEN", "events_maxlen", 1_000, 100_000_000);
    define("EMP_BACKOFF_BASE_MS", "backoff_base_ms", 0, 86_400_000);
    define("EMP_BACKOFF_FACTOR", "backoff_factor", 1, 100);
    define("EMP_BACKOFF_CAP_MS", "backoff_cap_ms", 0, 86_400_000);
    define("EMP_WORKER_STALE_MS", "worker_stale_ms", 1_000, 86_400_000);
    define("EMP_WORKER_OFFLINE_MS", "worker_offline_ms", 1_000, 30L * 86_400_000);
    define("EMP_WORKER_RETENTION_MS", "worker_retention_ms", 60_000, 365L * 86_400_000);
    define("EMP_MACHINE_STALE_MS", "machine_stale_ms", 1_000, 86_400_000);
    define("EMP_MACHINE_OFFLINE_MS", "machine_offline_ms", 1_000, 30L * 86_400_000);
    define("EMP_IDEMPOTENCY_TTL_MS", "idem_ttl_ms", 1_000, 365L * 86_400_000);
    define("EMP_DEFAULT_MAX_ATTEMPTS", "max_attempts_default", 1, 20);
    define("EMP_MAX_PAYLOAD_BYTES", "max_payload_bytes", 1_024, 64L * 1_048_576);
    define("EMP_AFFINITY_CAP_MS", "affinity_cap_ms", 0, 86_400_000);
    define("EMP_DOWNLOAD_BPS", "download_bps", 1, 1L << 40);
    define("EMP_MODEL_DEFAULT_BYTES", "model_default_bytes", 1, 1L << 42);
    define("EMP_RATE_LIMIT_TOKEN_PER_S", "rate_principal_per_s", 0, 1_000_000);
    define("EMP_RATE_LIMIT_CUSTOMER_PER_S", "rate_customer_per_s", 0, 1_000_000);
    define("EMP_MAX_QUEUED_PER_CUSTOMER", "max_queued_per_customer", 0, 100_000_000);
  }

  private NamespaceSettings() {
  }

  private static void define(String env, String name, long min, long max) {
    NAMES.put(env, name);
    RANGES.put(env, new long[] {min, max});
  }

  /** The settings present in {@code env}, as {@code emp_configure} names and values. */
  public static Map<String, Long> from(EnvConfig env) {
    Map<String, Long> out = new LinkedHashMap<>();
    NAMES.forEach((var, name) -> {
      if (env.raw(var) != null) {
        long[] r = RANGES.get(var);
        out.put(name, env.longValue(var, 0, r[0], r[1]));
      }
    });
    return out;
  }

  /** The variables this class understands (for documentation and tests). */
  public static Map<String, String> variables() {
    return Map.copyOf(NAMES);
  }
}
