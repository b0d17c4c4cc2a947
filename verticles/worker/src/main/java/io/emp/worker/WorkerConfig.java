package io.emp.worker;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.config.RedisConfig;
import io.emp.worker.connector.ConnectorRegistry;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The worker role's settings, parsed once from the environment; invalid values refuse the start with
 * a {@link ConfigException} naming the variable. Defaults suit a laptop (docs/worker.md).
 *
 * @param redis              {@code EMP_REDIS_URL}, {@code EMP_NAMESPACE}, {@code EMP_REDIS_POOL_SIZE}
 * @param machineId          {@code EMP_MACHINE_ID} (host name, sanitised)
 * @param workers            {@code EMP_WORKERS} (1): worker identities in this process
 * @param workerIndexStart   {@code EMP_WORKER_INDEX_START} (0): n of the first {@code {machine}-worker-{n}}
 * @param slots              {@code EMP_WORKER_SLOTS} (1): concurrent jobs per worker, 1–256
 * @param connectors         {@code EMP_CONNECTORS} (simulation)
 * @param heartbeatMs        {@code EMP_HEARTBEAT_MS} (2000)
 * @param leaseMs            {@code EMP_LEASE_MS} (15000), more than twice the heartbeat
 * @param shutdownGraceMs    {@code EMP_SHUTDOWN_GRACE_MS} (30000): running jobs may finish this long
 * @param claimPollMs        {@code EMP_CLAIM_POLL_MS} (5000): fallback claim when no wake-up arrives
 * @param healthHost         {@code EMP_HEALTH_HOST} (127.0.0.1)
 * @param healthPort         {@code EMP_WORKER_HEALTH_PORT}, else {@code EMP_HEALTH_PORT} (9091; 0 = free; -1 = off)
 * @param pool               {@code EMP_POOL} (none)
 * @param extraCapabilities  {@code EMP_WORKER_CAPABILITIES} (none): JSON merged into the capability document
 * @param jobTimeoutS        {@code EMP_JOB_TIMEOUT_S} (none): local timeout when a job has no {@code timeout_s}
 * @param runningMarkMs      {@code EMP_RUNNING_MARK_MS} (100): a job still running after this long is marked
 *                           running (progress 0) unless its connector reported progress already; a job that
 *                           ends sooner goes from assigned straight to its outcome (one broker call less)
 * @param connectorHealthMs  {@code EMP_CONNECTOR_HEALTH_MS} (5000): connector health probes; a service whose
 *                           backend is down is withdrawn from the worker until it answers again (0 = off)
 */
public record WorkerConfig(
  RedisConfig redis,
  String machineId,
  int workers,
  int workerIndexStart,
  int slots,
  List<String> connectors,
  long heartbeatMs,
  long leaseMs,
  long shutdownGraceMs,
  long claimPollMs,
  String healthHost,
  int healthPort,
  String pool,
  JsonObject extraCapabilities,
  Double jobTimeoutS,
  long runningMarkMs,
  long connectorHealthMs) {

  public static final int DEFAULT_HEALTH_PORT = 9091;
  public static final String DEFAULT_HEALTH_HOST = "127.0.0.1";
  public static final long DEFAULT_HEARTBEAT_MS = 2_000;
  public static final long DEFAULT_LEASE_MS = 15_000;
  public static final long DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
  public static final long DEFAULT_CLAIM_POLL_MS = 5_000;
  public static final long DEFAULT_RUNNING_MARK_MS = 100;
  public static final long DEFAULT_CONNECTOR_HEALTH_MS = 5_000;
  /** How long a cancelled connector may take to stop before the worker frees its slot anyway. */
  public static final long CANCEL_ACK_MS = 5_000;
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final List<String> RESERVED_CAPABILITIES = List.of("services", "pool", "machine_id");

  public WorkerConfig {
    connectors = List.copyOf(connectors);
    extraCapabilities = extraCapabilities == null ? new JsonObject() : extraCapabilities.copy();
  }

  public static WorkerConfig from(EnvConfig env) {
    return from(env, ConnectorRegistry.defaults());
  }

  /** Parses and validates; {@code registry} decides which connector names are known. */
  public static WorkerConfig from(EnvConfig env, ConnectorRegistry registry) {
    long heartbeat = env.longValue("EMP_HEARTBEAT_MS", DEFAULT_HEARTBEAT_MS, 50, 600_000);
    long lease = env.longValue("EMP_LEASE_MS", DEFAULT_LEASE_MS, 100, 3_600_000);
    if (lease <= 2 * heartbeat) {
      throw new ConfigException("EMP_LEASE_MS=" + lease + " must be more than twice EMP_HEARTBEAT_MS=" + heartbeat
        + " (a lease must survive one missed heartbeat)");
    }
    long grace = env.longValue("EMP_SHUTDOWN_GRACE_MS", DEFAULT_SHUTDOWN_GRACE_MS, 0, 3_600_000);
    long shutdownTimeout = env.longValue("EMP_SHUTDOWN_TIMEOUT_MS", 60_000, 1_000, 3_600_000);
    if (grace + CANCEL_ACK_MS + 5_000 > shutdownTimeout) {
      throw new ConfigException("EMP_SHUTDOWN_GRACE_MS=" + grace + " leaves no time to release jobs before"
        + " EMP_SHUTDOWN_TIMEOUT_MS=" + shutdownTimeout + " (needs at least " + (CANCEL_ACK_MS + 5_000) + " ms more)");
    }
    return new WorkerConfig(
      RedisConfig.from(env),
      machineId(env),
      env.integer("EMP_WORKERS", 1, 1, 256),
      env.integer("EMP_WORKER_INDEX_START", 0, 0, 1_000_000),
      env.integer("EMP_WORKER_SLOTS", 1, 1, 256),
      connectors(env, registry),
      heartbeat,
      lease,
      grace,
      env.longValue("EMP_CLAIM_POLL_MS", DEFAULT_CLAIM_POLL_MS, 100, 3_600_000),
      env.string("EMP_HEALTH_HOST", DEFAULT_HEALTH_HOST),
      healthPort(env),
      name(env, "EMP_POOL"),
      capabilities(env),
      env.raw("EMP_JOB_TIMEOUT_S") == null ? null : env.decimal("EMP_JOB_TIMEOUT_S", 0, 0.001, 604_800),
      env.longValue("EMP_RUNNING_MARK_MS", DEFAULT_RUNNING_MARK_MS, 0, 60_000),
      env.longValue("EMP_CONNECTOR_HEALTH_MS", DEFAULT_CONNECTOR_HEALTH_MS, 0, 3_600_000));
  }

  /** {@code {machine}-worker-{n}} for every worker of this process. */
  public List<String> workerIds() {
    return IntStream.range(workerIndexStart, workerIndexStart + workers).mapToObj(this::workerId).toList();
  }

  public String workerId(int index) {
    return machineId + "-worker-" + index;
  }

  private static String machineId(EnvConfig env) {
    String explicit = env.raw("EMP_MACHINE_ID");
    if (explicit != null) {
      if (!NAME.matcher(explicit).matches()) {
        throw new ConfigException("EMP_MACHINE_ID=" + explicit + " must be 1-64 characters of [A-Za-z0-9_.:-]");
      }
      return explicit;
    }
    return sanitise(hostname(env));
  }

  /** A host name made safe for ids: other characters become '-', at most 64 characters. */
  static String sanitise(String host) {
    String s = host == null ? "" : host.trim().replaceAll("[^A-Za-z0-9_.:-]", "-");
    if (s.length() > 64) {
      s = s.substring(0, 64);
    }
    return s.isEmpty() ? "machine" : s;
  }

  private static String hostname(EnvConfig env) {
    String h = env.raw("HOSTNAME");
    if (h != null) {
      return h;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "machine";
    }
  }

  private static List<String> connectors(EnvConfig env, ConnectorRegistry registry) {
    List<String> names = env.list("EMP_CONNECTORS", List.of("simulation")).stream().map(String::toLowerCase).toList();
    if (names.isEmpty()) {
      throw new ConfigException("EMP_CONNECTORS must name at least one connector; known: " + known(registry));
    }
    var seen = new HashSet<String>();
    for (String n : names) {
      if (!registry.knows(n)) {
        throw new ConfigException("EMP_CONNECTORS: unknown connector '" + n + "'; known: " + known(registry));
      }
      if (!seen.add(n)) {
        throw new ConfigException("EMP_CONNECTORS: connector '" + n + "' is listed twice");
      }
    }
    return names;
  }

  private static String known(ConnectorRegistry registry) {
    return String.join(", ", registry.names().stream().sorted().toList());
  }

  private static int healthPort(EnvConfig env) {
    String name = env.raw("EMP_WORKER_HEALTH_PORT") != null ? "EMP_WORKER_HEALTH_PORT" : "EMP_HEALTH_PORT";
    return env.integer(name, DEFAULT_HEALTH_PORT, -1, 65_535);
  }

  private static String name(EnvConfig env, String variable) {
    String v = env.raw(variable);
    if (v != null && !NAME.matcher(v).matches()) {
      throw new ConfigException(variable + "=" + v + " must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    return v;
  }

  private static JsonObject capabilities(EnvConfig env) {
    String raw = env.raw("EMP_WORKER_CAPABILITIES");
    if (raw == null) {
      return new JsonObject();
    }
    JsonObject doc;
    try {
      doc = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("EMP_WORKER_CAPABILITIES must be a JSON object: " + e.getMessage());
    }
    for (String key : RESERVED_CAPABILITIES) {
      if (doc.containsKey(key)) {
        throw new ConfigException("EMP_WORKER_CAPABILITIES must not set '" + key + "' (services come from"
          + " EMP_CONNECTORS, the pool from EMP_POOL, the machine from EMP_MACHINE_ID)");
      }
    }
    return doc;
  }
}
