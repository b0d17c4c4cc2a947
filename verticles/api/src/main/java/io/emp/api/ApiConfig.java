package io.emp.api;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.config.RedisConfig;
import java.util.List;
import java.util.Set;

/**
 * The api role's settings, parsed once from the environment; an invalid value fails deployment with a
 * {@link ConfigException} naming the variable.
 *
 * @param redis           {@code EMP_REDIS_URL}, {@code EMP_NAMESPACE}, {@code EMP_REDIS_POOL_SIZE}
 * @param host            {@code EMP_API_HOST} (0.0.0.0)
 * @param port            {@code EMP_API_PORT} (3331; 0 = any free port, logged)
 * @param token           {@code EMP_API_TOKEN}: the admin bearer token (null only when auth is off)
 * @param authEnabled     {@code EMP_AUTH} ({@code on} / {@code off}); off must be asked for explicitly
 * @param maxPayloadBytes {@code EMP_MAX_PAYLOAD_BYTES} (1048576): largest job payload; bodies may add
 *                        {@link #ENVELOPE_BYTES} for the other submission fields
 * @param corsOrigins     {@code EMP_CORS_ORIGINS}: allowed browser origins (empty = no CORS headers)
 * @param sseKeepAliveMs  {@code EMP_SSE_KEEPALIVE_MS} (15000): comment line interval on SSE streams
 * @param commandTimeoutMs {@code EMP_COMMAND_TIMEOUT_MS} (10000): how long a machine command that returns
 *                        an answer (the log tail) waits for the supervisor
 * @param tokens          {@code EMP_API_TOKEN} + {@code EMP_API_TOKENS}: who may do what (docs/security.md)
 * @param maxSsePerToken  {@code EMP_SSE_MAX_PER_TOKEN} (100): open SSE streams per token in this process
 * @param maxHeaderBytes  {@code EMP_MAX_HEADER_BYTES} (16384): all request headers together; more is 431
 */
public record ApiConfig(
  RedisConfig redis,
  String host,
  int port,
  String token,
  boolean authEnabled,
  long maxPayloadBytes,
  List<String> corsOrigins,
  long sseKeepAliveMs,
  long commandTimeoutMs,
  io.emp.core.auth.TokenRegistry tokens,
  int maxSsePerToken,
  int maxHeaderBytes) {

  public static final int DEFAULT_PORT = 3331;
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final long DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;
  public static final long DEFAULT_SSE_KEEPALIVE_MS = 15_000;
  /** Room for the submission fields around the payload in a request body or WebSocket message. */
  public static final long ENVELOPE_BYTES = 64 * 1024;

  public ApiConfig {
    if (authEnabled && (tokens == null || !tokens.enabled())) {
      throw new ConfigException("EMP_API_TOKEN (the admin token clients send as 'Authorization: Bearer <token>') or"
        + " EMP_API_TOKENS (scoped token hashes, docs/security.md) is required, or set EMP_AUTH=off to run without"
        + " authentication (local use only)");
    }
    for (String origin : corsOrigins) {
      if (!origin.equals("*") && !origin.startsWith("http://") && !origin.startsWith("https://")) {
        throw new ConfigException("EMP_CORS_ORIGINS: '" + origin + "' is not an origin (http(s)://host[:port] or *)");
      }
    }
    corsOrigins = List.copyOf(corsOrigins);
  }

  public static ApiConfig from(EnvConfig env) {
    boolean auth = env.oneOf("EMP_AUTH", "on", Set.of("on", "off")).equals("on");
    return new ApiConfig(
      RedisConfig.from(env),
      env.string("EMP_API_HOST", DEFAULT_HOST),
      env.integer("EMP_API_PORT", DEFAULT_PORT, 0, 65_535),
      auth ? env.raw("EMP_API_TOKEN") : null,
      auth,
      env.longValue("EMP_MAX_PAYLOAD_BYTES", DEFAULT_MAX_PAYLOAD_BYTES, 1, 256L * 1024 * 1024),
      env.list("EMP_CORS_ORIGINS", List.of()),
      env.longValue("EMP_SSE_KEEPALIVE_MS", DEFAULT_SSE_KEEPALIVE_MS, 10, 3_600_000),
      env.longValue("EMP_COMMAND_TIMEOUT_MS", 10_000, 100, 600_000),
      io.emp.core.auth.TokenRegistry.from(env),
      env.integer("EMP_SSE_MAX_PER_TOKEN", 100, 1, 100_000),
      env.integer("EMP_MAX_HEADER_BYTES", 16_384, 1_024, 1_048_576));
  }

  /** The request body limit: the payload limit plus the submission envelope. */
  public long bodyLimitBytes() {
    return maxPayloadBytes + ENVELOPE_BYTES;
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "ApiConfig[namespace=" + redis.namespace() + ", host=" + host + ", port=" + port + ", auth="
      + (authEnabled ? "on" : "off") + ", maxPayloadBytes=" + maxPayloadBytes + ", corsOrigins=" + corsOrigins
      + ", sseKeepAliveMs=" + sseKeepAliveMs + "]";
  }
}
