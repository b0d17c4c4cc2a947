package io.emp.monitor;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.config.RedisConfig;
import java.util.Set;

/**
 * The monitor role's settings (docs/monitor.md#configuration), parsed once from the environment; an
 * invalid value fails deployment with a {@link ConfigException} naming the variable.
 *
 * @param redis             {@code EMP_REDIS_URL}, {@code EMP_NAMESPACE}, {@code EMP_REDIS_POOL_SIZE}
 * @param host              {@code EMP_MONITOR_HOST} (0.0.0.0)
 * @param port              {@code EMP_MONITOR_PORT} (3333; 0 = any free port, logged)
 * @param token             {@code EMP_API_TOKEN}: the operator token (null only when auth is off)
 * @param authEnabled       {@code EMP_AUTH} ({@code on} / {@code off})
 * @param tickMs            {@code EMP_MONITOR_TICK_MS} (2000): stats message period, the page's heartbeat
 * @param sampleMs          {@code EMP_MONITOR_SAMPLE_MS} (5000): history step
 * @param historySeconds    {@code EMP_MONITOR_HISTORY_S} (86400): history kept in memory
 * @param snapshotActive    {@code EMP_MONITOR_SNAPSHOT_ACTIVE} (1000): jobs per active status in a snapshot
 * @param snapshotFinished  {@code EMP_MONITOR_SNAPSHOT_FINISHED} (200): jobs per finished status
 * @param pingTimeoutMs     {@code EMP_MONITOR_PING_TIMEOUT_MS} (30000): the bridge closes a silent socket
 * @param maxPayloadBytes   {@code EMP_MAX_PAYLOAD_BYTES} (1048576): submit validation, as the api
 * @param commandTimeoutMs  {@code EMP_COMMAND_TIMEOUT_MS} (10000): log-tail wait
 * @param tokens            {@code EMP_API_TOKEN} + {@code EMP_API_TOKENS}, as the api (docs/security.md)
 */
public record MonitorConfig(
  RedisConfig redis,
  String host,
  int port,
  String token,
  boolean authEnabled,
  long tickMs,
  long sampleMs,
  long historySeconds,
  int snapshotActive,
  int snapshotFinished,
  long pingTimeoutMs,
  long maxPayloadBytes,
  long commandTimeoutMs,
  io.emp.core.auth.TokenRegistry tokens) {

  public static final int DEFAULT_PORT = 3333;

  public MonitorConfig {
    if (authEnabled && (tokens == null || !tokens.enabled())) {
      throw new ConfigException("EMP_API_TOKEN or EMP_API_TOKENS is required: the monitor asks operators for a token"
        + " with the read scope; set one, or set EMP_AUTH=off to run without authentication (local use only)");
    }
  }

  public static MonitorConfig from(EnvConfig env) {
    boolean auth = env.oneOf("EMP_AUTH", "on", Set.of("on", "off")).equals("on");
    return new MonitorConfig(
      RedisConfig.from(env),
      env.string("EMP_MONITOR_HOST", "0.0.0.0"),
      env.integer("EMP_MONITOR_PORT", DEFAULT_PORT, 0, 65_535),
      auth ? env.raw("EMP_API_TOKEN") : null,
      auth,
      env.longValue("EMP_MONITOR_TICK_MS", 2_000, 100, 4_000), // the page's stale rule is 10 s of silence
      env.longValue("EMP_MONITOR_SAMPLE_MS", 5_000, 500, 600_000),
      env.longValue("EMP_MONITOR_HISTORY_S", 86_400, 60, 7 * 86_400),
      env.integer("EMP_MONITOR_SNAPSHOT_ACTIVE", 1_000, 1, 5_000),
      env.integer("EMP_MONITOR_SNAPSHOT_FINISHED", 200, 1, 5_000),
      env.longValue("EMP_MONITOR_PING_TIMEOUT_MS", 30_000, 1_000, 3_600_000),
      env.longValue("EMP_MAX_PAYLOAD_BYTES", 1_048_576, 1, 256L * 1024 * 1024),
      env.longValue("EMP_COMMAND_TIMEOUT_MS", 10_000, 100, 600_000),
      io.emp.core.auth.TokenRegistry.from(env));
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "MonitorConfig[namespace=" + redis.namespace() + ", host=" + host + ", port=" + port + ", auth="
      + (authEnabled ? "on" : "off") + ", tickMs=" + tickMs + ", sampleMs=" + sampleMs + "]";
  }
}
