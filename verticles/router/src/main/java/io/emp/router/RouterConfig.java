package io.emp.router;

import io.emp.core.config.EnvConfig;
import io.emp.core.config.NamespaceSettings;
import io.emp.core.config.RedisConfig;
import java.util.Map;

/**
 * The router's settings, parsed once from the environment.
 *
 * @param reapIntervalMs    {@code EMP_REAP_INTERVAL_MS} (1000): expired leases are acted on this often
 * @param promoteIntervalMs {@code EMP_PROMOTE_INTERVAL_MS} (250): due delayed jobs are queued this often
 * @param pruneIntervalMs   {@code EMP_PRUNE_INTERVAL_MS} (60000): retention housekeeping
 * @param statsIntervalMs   {@code EMP_STATS_INTERVAL_MS} (5000): queue gauges
 * @param batch             {@code EMP_ROUTER_BATCH} (1000): items per housekeeping call
 * @param healthHost        {@code EMP_HEALTH_HOST} (127.0.0.1)
 * @param healthPort        {@code EMP_HEALTH_PORT} (9092; 0 = any free port; -1 = off)
 * @param settings          namespace settings to apply at start ({@link NamespaceSettings})
 */
public record RouterConfig(
  RedisConfig redis,
  long reapIntervalMs,
  long promoteIntervalMs,
  long pruneIntervalMs,
  long statsIntervalMs,
  int batch,
  String healthHost,
  int healthPort,
  Map<String, Long> settings) {

  public static final int DEFAULT_HEALTH_PORT = 9092;

  public static RouterConfig from(EnvConfig env) {
    return new RouterConfig(
      RedisConfig.from(env),
      env.longValue("EMP_REAP_INTERVAL_MS", 1_000, 50, 600_000),
      env.longValue("EMP_PROMOTE_INTERVAL_MS", 250, 10, 600_000),
      env.longValue("EMP_PRUNE_INTERVAL_MS", 60_000, 100, 86_400_000),
      env.longValue("EMP_STATS_INTERVAL_MS", 5_000, 100, 3_600_000),
      env.integer("EMP_ROUTER_BATCH", 1_000, 1, 100_000),
      env.string("EMP_HEALTH_HOST", "127.0.0.1"),
      env.integer("EMP_HEALTH_PORT", DEFAULT_HEALTH_PORT, -1, 65_535),
      NamespaceSettings.from(env));
  }
}
