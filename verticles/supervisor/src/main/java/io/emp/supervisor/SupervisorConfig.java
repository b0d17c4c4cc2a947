package io.emp.supervisor;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.config.RedisConfig;
import io.emp.supervisor.models.ModelsConfig;
import io.emp.supervisor.process.ProcessConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The supervisor's settings, parsed once from the environment (a bad value stops it, naming the
 * variable).
 *
 * @param machineId        {@code EMP_MACHINE_ID} (host name)
 * @param pool             {@code EMP_POOL} (none): the machine's pool, in its status document
 * @param healthHost       {@code EMP_HEALTH_HOST} (127.0.0.1): bind address of /health, /ready, /status, /metrics
 * @param healthPort       {@code EMP_SUPERVISOR_HEALTH_PORT}, else {@code EMP_HEALTH_PORT} (9090; 0 = free; -1 = off)
 * @param statusIntervalMs {@code EMP_STATUS_INTERVAL_MS} (15000): full status document to Redis
 * @param debounceMs       {@code EMP_STATUS_DEBOUNCE_MS} (500): a change is published within this
 * @param drainGraceMs     {@code EMP_DRAIN_GRACE_MS} (30000): at a drain or SIGTERM, running jobs may finish this long
 * @param workerServices   {@code EMP_WORKER_SERVICES} (worker): spec services that are workers (drained first)
 * @param workerMode       {@code EMP_WORKER_MODE}: {@code process} (workers are spec services) or
 *                         {@code inprocess} (the supervisor runs the worker role itself, one worker per GPU)
 * @param nodesConfig      {@code EMP_NODES_CONFIG} (none): custom-node config installed at bootstrap
 * @param nodesMode        {@code EMP_NODES_MODE} (install): {@code install}, {@code env-only} or {@code off}
 * @param commandMaxAgeMs  {@code EMP_COMMAND_MAX_AGE_MS} (300000): older commands are reported expired, not run
 * @param models           {@code EMP_MODELS_*}: the model manager ({@link ModelsConfig})
 */
public record SupervisorConfig(
  RedisConfig redis,
  ProcessConfig process,
  String machineId,
  String pool,
  String healthHost,
  int healthPort,
  long statusIntervalMs,
  long debounceMs,
  long drainGraceMs,
  List<String> workerServices,
  String workerMode,
  Path nodesConfig,
  String nodesMode,
  long commandMaxAgeMs,
  ModelsConfig models) {

  public static final int DEFAULT_HEALTH_PORT = 9090;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  public static SupervisorConfig from(EnvConfig env) {
    String machine = env.string("EMP_MACHINE_ID", HostInfo.hostname().replaceAll("[^A-Za-z0-9_.:-]", "-"));
    if (!NAME.matcher(machine).matches()) {
      throw new ConfigException("EMP_MACHINE_ID must be 1-128 characters of [A-Za-z0-9_.:-]");
    }
    String pool = env.raw("EMP_POOL");
    if (pool != null && !NAME.matcher(pool).matches()) {
      throw new ConfigException("EMP_POOL must be 1-128 characters of [A-Za-z0-9_.:-]");
    }
    String port = env.raw("EMP_SUPERVISOR_HEALTH_PORT") != null ? "EMP_SUPERVISOR_HEALTH_PORT" : "EMP_HEALTH_PORT";
    String nodes = env.raw("EMP_NODES_CONFIG");
    ProcessConfig process = ProcessConfig.from(env);
    return new SupervisorConfig(
      RedisConfig.from(env),
      process,
      machine,
      pool,
      env.string("EMP_HEALTH_HOST", "127.0.0.1"),
      env.integer(port, DEFAULT_HEALTH_PORT, -1, 65_535),
      env.longValue("EMP_STATUS_INTERVAL_MS", 15_000, 100, 3_600_000),
      env.longValue("EMP_STATUS_DEBOUNCE_MS", 500, 10, 60_000),
      env.longValue("EMP_DRAIN_GRACE_MS", 30_000, 0, 3_600_000),
      env.list("EMP_WORKER_SERVICES", List.of("worker")),
      env.oneOf("EMP_WORKER_MODE", "process", Set.of("process", "inprocess")),
      nodes == null ? null : Path.of(nodes).toAbsolutePath(),
      env.oneOf("EMP_NODES_MODE", "install", Set.of("install", "env-only", "off")),
      env.longValue("EMP_COMMAND_MAX_AGE_MS", 300_000, 1_000, 86_400_000),
      ModelsConfig.from(env, process.runDir()));
  }
}
