package io.emp.standalone;

import io.emp.core.config.EnvConfig;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The standalone jar's defaults on top of the environment: {@code EMP_SIM_WORKERS} (default 4)
 * simulation workers on machine {@code EMP_MACHINE_ID} (default {@code local-sim}); the router's
 * and worker's own health servers are off (the api serves {@code /health}, {@code /ready} and
 * {@code /metrics} for the whole process); a random admin token when {@code EMP_API_TOKEN} is unset
 * and auth is on.
 */
public final class StandaloneSettings {
  public static final int DEFAULT_SIM_WORKERS = 4;
  public static final String DEFAULT_MACHINE_ID = "local-sim";

  private StandaloneSettings() {
  }

  /** The effective environment; {@code generatedToken} is set when a token was generated. */
  public record Applied(EnvConfig env, String generatedToken) {
  }

  public static Applied apply(EnvConfig env) {
    Map<String, String> o = new HashMap<>();
    o.put("EMP_WORKERS", String.valueOf(env.integer("EMP_SIM_WORKERS", DEFAULT_SIM_WORKERS, 1, 256)));
    o.put("EMP_CONNECTORS", env.string("EMP_CONNECTORS", "simulation"));
    o.put("EMP_MACHINE_ID", env.string("EMP_MACHINE_ID", DEFAULT_MACHINE_ID));
    o.put("EMP_HEALTH_PORT", "-1");
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
