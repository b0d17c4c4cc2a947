package io.emp.standalone;

import io.emp.core.config.EnvConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The standalone jar's defaults on top of the environment: a simulated GPU machine
 * {@code EMP_MACHINE_ID} (default {@code local-sim}) with {@code EMP_SIM_WORKERS} (default 4) GPUs and
 * one simulation worker per GPU, run by an in-process supervisor from the bundled spec; the router's,
 * worker's and supervisor's own health servers are off (the api serves {@code /health},
 * {@code /ready} and {@code /metrics} for the whole process); a random admin token when
 * {@code EMP_API_TOKEN} is unset and auth is on.
 */
public final class StandaloneSettings {
  public static final int DEFAULT_SIM_WORKERS = 4;
  public static final String DEFAULT_MACHINE_ID = "local-sim";
  static final String BUNDLED_SPEC_NAME = "standalone-machine.yaml";

  private StandaloneSettings() {
  }

  /** The effective environment; {@code generatedToken} is set when a token was generated. */
  public record Applied(EnvConfig env, String generatedToken) {
  }

  public static Applied apply(EnvConfig env) {
    Map<String, String> o = new HashMap<>();
    int workers = env.integer("EMP_SIM_WORKERS", DEFAULT_SIM_WORKERS, 1, 64);
    String machine = env.string("EMP_MACHINE_ID", DEFAULT_MACHINE_ID);
    // one run directory per namespace and machine: several standalone brokers may share a host
    Path runDir = Path.of(env.string("EMP_RUN_DIR", Path.of(System.getProperty("java.io.tmpdir"), "emp-standalone",
      env.string("EMP_NAMESPACE", "main"), machine).toString()));
    o.put("EMP_GPUS", env.string("EMP_GPUS", String.valueOf(workers)));
    o.put("EMP_WORKER_MODE", "inprocess");
    o.put("EMP_CONNECTORS", env.string("EMP_CONNECTORS", "simulation"));
    o.put("EMP_MACHINE_ID", machine);
    o.put("EMP_RUN_DIR", runDir.toString());
    o.put("EMP_MACHINE_SPEC", env.string("EMP_MACHINE_SPEC", runDir.resolve(BUNDLED_SPEC_NAME).toString()));
    o.put("EMP_NODES_MODE", env.string("EMP_NODES_MODE", "off"));
    o.put("EMP_HEALTH_PORT", "-1");
    o.put("EMP_SUPERVISOR_HEALTH_PORT", "-1");
    String token = null;
    boolean authOff = "off".equals(env.string("EMP_AUTH", "on"));
    if (!authOff && env.raw("EMP_API_TOKEN") == null) {
      byte[] bytes = new byte[24];
      new SecureRandom().nextBytes(bytes);
      token = "emp_" + HexFormat.of().formatHex(bytes);
      o.put("EMP_API_TOKEN", token);
    }
    return new Applied(env.with(o), token);
  }
}
