package io.emp.router;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.config.NamespaceSettings;
import io.emp.core.config.RedisConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The router's settings, parsed once from the environment.
 *
 * @param reapIntervalMs    {@code EMP_REAP_INTERVAL_MS} (1000): expired leases are acted on this often
 * @param reapSilenceMs     {@code EMP_REAP_SILENCE_MS} (5000; 0 = off): outage grace — when the reaper has not run
 *                          for this long or no worker at all has been seen for this long (a Redis outage),
 *                          expired leases get one more lease instead of being requeued (docs/reliability.md)
 * @param promoteIntervalMs {@code EMP_PROMOTE_INTERVAL_MS} (250): due delayed jobs are queued this often
 * @param pruneIntervalMs   {@code EMP_PRUNE_INTERVAL_MS} (60000): retention housekeeping
 * @param statsIntervalMs   {@code EMP_STATS_INTERVAL_MS} (5000): queue gauges
 * @param batch             {@code EMP_ROUTER_BATCH} (1000): items per housekeeping call
 * @param healthHost        {@code EMP_HEALTH_HOST} (127.0.0.1)
 * @param healthPort        {@code EMP_HEALTH_PORT} (9092; 0 = any free port; -1 = off)
 * @param settings          namespace settings to apply at start ({@link NamespaceSettings})
 * @param poolsPolicy       {@code EMP_POOLS_POLICY}: the pool policy (inline JSON or a file path) to apply at
 *                          start, {@code off} to clear it; null = leave whatever the namespace has
 * @param poolsClear        true when {@code EMP_POOLS_POLICY=off}
 * @param placement         the placement planner's settings
 */
public record RouterConfig(
  RedisConfig redis,
  long reapIntervalMs,
  long reapSilenceMs,
  long promoteIntervalMs,
  long pruneIntervalMs,
  long statsIntervalMs,
  int batch,
  String healthHost,
  int healthPort,
  Map<String, Long> settings,
  JsonObject poolsPolicy,
  boolean poolsClear,
  PlacementConfig placement) {

  public static final int DEFAULT_HEALTH_PORT = 9092;

  public static RouterConfig from(EnvConfig env) {
    String pools = env.raw("EMP_POOLS_POLICY");
    boolean clear = "off".equals(pools);
    return new RouterConfig(
      RedisConfig.from(env),
      env.longValue("EMP_REAP_INTERVAL_MS", 1_000, 50, 600_000),
      env.longValue("EMP_REAP_SILENCE_MS", 5_000, 0, 3_600_000),
      env.longValue("EMP_PROMOTE_INTERVAL_MS", 250, 10, 600_000),
      env.longValue("EMP_PRUNE_INTERVAL_MS", 60_000, 100, 86_400_000),
      env.longValue("EMP_STATS_INTERVAL_MS", 5_000, 100, 3_600_000),
      env.integer("EMP_ROUTER_BATCH", 1_000, 1, 100_000),
      env.string("EMP_HEALTH_HOST", "127.0.0.1"),
      env.integer("EMP_HEALTH_PORT", DEFAULT_HEALTH_PORT, -1, 65_535),
      NamespaceSettings.from(env),
      pools == null || pools.isBlank() || clear ? null : policy(pools),
      clear,
      PlacementConfig.from(env));
  }

  /** Inline JSON when it starts with '{', else a file holding it. */
  static JsonObject policy(String value) {
    String text = value.trim();
    if (!text.startsWith("{")) {
      try {
        text = Files.readString(Path.of(text), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ConfigException("EMP_POOLS_POLICY: cannot read the pool policy file " + value + ": " + e.getMessage());
      }
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException("EMP_POOLS_POLICY: not a JSON object: " + e.getMessage());
    }
  }

  /**
   * The placement planner (docs/pools-and-models.md#placement-router).
   *
   * @param enabled      {@code EMP_PLACEMENT} ({@code on} / {@code off}, on)
   * @param intervalMs   {@code EMP_PLACEMENT_INTERVAL_MS} (60000): one planning round this often
   * @param alpha        {@code EMP_PLACEMENT_ALPHA} (0.5): exponential smoothing of the hourly demand
   * @param minDemand    {@code EMP_PLACEMENT_MIN_DEMAND} (1): forecast jobs per hour below which a model is cold
   * @param jobsPerCopy  {@code EMP_PLACEMENT_JOBS_PER_COPY} (60): forecast jobs per hour one machine copy serves
   * @param maxCommands  {@code EMP_PLACEMENT_MAX_COMMANDS} (4): prefetch/evict commands per round at most
   * @param hours        {@code EMP_PLACEMENT_HOURS} (24): demand history read
   * @param cooldownMs   {@code EMP_PLACEMENT_COOLDOWN_MS} (600000): the same command is not repeated sooner
   * @param evictAbove   {@code EMP_PLACEMENT_EVICT_ABOVE} (0.7): cold models are evicted from machines whose
   *                     disk use is above this share of their budget
   */
  public record PlacementConfig(boolean enabled, long intervalMs, double alpha, double minDemand, double jobsPerCopy,
                                int maxCommands, int hours, long cooldownMs, double evictAbove) {
    static PlacementConfig from(EnvConfig env) {
      return new PlacementConfig(
        env.oneOf("EMP_PLACEMENT", "on", Set.of("on", "off")).equals("on"),
        env.longValue("EMP_PLACEMENT_INTERVAL_MS", 60_000, 100, 86_400_000),
        env.decimal("EMP_PLACEMENT_ALPHA", 0.5, 0.01, 1),
        env.decimal("EMP_PLACEMENT_MIN_DEMAND", 1, 0, 1_000_000),
        env.decimal("EMP_PLACEMENT_JOBS_PER_COPY", 60, 0.001, 1_000_000),
        env.integer("EMP_PLACEMENT_MAX_COMMANDS", 4, 0, 1_000),
        env.integer("EMP_PLACEMENT_HOURS", 24, 1, 192),
        env.longValue("EMP_PLACEMENT_COOLDOWN_MS", 600_000, 0, 86_400_000),
        env.decimal("EMP_PLACEMENT_EVICT_ABOVE", 0.7, 0, 1));
    }
  }
}
