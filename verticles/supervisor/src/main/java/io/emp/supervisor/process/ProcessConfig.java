package io.emp.supervisor.process;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.nio.file.Path;

/**
 * Settings of the process supervisor, parsed once from the environment; an invalid value refuses the
 * start with a {@link ConfigException} naming the variable.
 *
 * @param specPath      {@code EMP_MACHINE_SPEC}: the machine spec file ({@code .json}, {@code .yaml}, {@code .yml});
 *                      null when unset (the caller decides whether that is an error)
 * @param runDir        {@code EMP_RUN_DIR} ({@code ${java.io.tmpdir}/emp-run}): one {@code INSTANCE_DIR} per instance
 * @param logDir        {@code EMP_LOG_DIR} ({@code <run dir>/logs}): {@code <instance>-out.log} / {@code -err.log}
 * @param gpus          {@code EMP_GPUS}: overrides the spec's {@code gpus} and nvidia-smi; null (or {@code auto}) = no override
 * @param logMaxBytes   {@code EMP_LOG_MAX_BYTES} (10 MiB): a log file is rotated before it grows past this
 * @param logFiles      {@code EMP_LOG_FILES} (5): files kept per stream, {@code x.log} included
 * @param logTailLines  {@code EMP_LOG_TAIL_LINES} (1000): in-memory tail per instance, stdout and stderr merged
 * @param stopGraceMs   {@code EMP_STOP_GRACE_MS} (10000): SIGTERM → SIGKILL delay unless the spec sets {@code stop.grace_ms}
 */
public record ProcessConfig(
  Path specPath,
  Path runDir,
  Path logDir,
  Integer gpus,
  long logMaxBytes,
  int logFiles,
  int logTailLines,
  long stopGraceMs) {

  public static final long DEFAULT_LOG_MAX_BYTES = 10L * 1024 * 1024;
  public static final int DEFAULT_LOG_FILES = 5;
  public static final int DEFAULT_LOG_TAIL_LINES = 1000;
  public static final long DEFAULT_STOP_GRACE_MS = 10_000;
  public static final int MAX_GPUS = 64;

  public static ProcessConfig from(EnvConfig env) {
    String spec = env.raw("EMP_MACHINE_SPEC");
    Path runDir = Path.of(env.string("EMP_RUN_DIR", Path.of(System.getProperty("java.io.tmpdir"), "emp-run").toString()));
    Path logDir = Path.of(env.string("EMP_LOG_DIR", runDir.resolve("logs").toString()));
    return new ProcessConfig(
      spec == null ? null : Path.of(spec).toAbsolutePath(),
      runDir.toAbsolutePath(),
      logDir.toAbsolutePath(),
      gpus(env),
      env.longValue("EMP_LOG_MAX_BYTES", DEFAULT_LOG_MAX_BYTES, 1024, Long.MAX_VALUE),
      env.integer("EMP_LOG_FILES", DEFAULT_LOG_FILES, 1, 100),
      env.integer("EMP_LOG_TAIL_LINES", DEFAULT_LOG_TAIL_LINES, 0, 1_000_000),
      env.longValue("EMP_STOP_GRACE_MS", DEFAULT_STOP_GRACE_MS, 0, 3_600_000));
  }

  private static Integer gpus(EnvConfig env) {
    String v = env.raw("EMP_GPUS");
    if (v == null || v.equalsIgnoreCase("auto")) {
      return null;
    }
    return env.integer("EMP_GPUS", 0, 0, MAX_GPUS);
  }
}
