package io.emp.standalone;

import io.emp.core.config.EnvConfig;

/** The start-up banner: where things are and how to try them. */
final class Banner {
  private Banner() {
  }

  static String text(StandaloneVerticle s, StandaloneSettings.Applied applied, String libraryVersion) {
    EnvConfig env = applied.env();
    String base = "http://localhost:" + s.apiPort();
    boolean auth = !"off".equals(env.string("EMP_AUTH", "on"));
    String token = applied.generatedToken() != null ? applied.generatedToken() : "$EMP_API_TOKEN";
    String authHeader = auth ? " -H \"Authorization: Bearer " + token + "\"" : "";
    StringBuilder b = new StringBuilder()
      .append("\n  emp-job-queue standalone is running\n\n")
      .append("  Monitor    http://localhost:").append(s.monitorPort()).append("/   (sign in with the token below)\n")
      .append("  API        ").append(base).append("   (contract: ").append(base).append("/openapi.yaml)\n")
      .append("  Health     ").append(base).append("/health  ").append(base).append("/ready  ")
      .append(base).append("/metrics\n")
      .append("  Redis      ").append(EnvConfig.maskUrl(env.string("EMP_REDIS_URL", "redis://127.0.0.1:6379")))
      .append("  namespace ").append(env.string("EMP_NAMESPACE", "main")).append("  library ").append(libraryVersion)
      .append('\n')
      .append("  Machine    ").append(env.string("EMP_MACHINE_ID", "")).append(": ")
      .append(env.string("EMP_GPUS", "?")).append(" simulated GPUs, one simulation worker each (spec ")
      .append(env.string("EMP_MACHINE_SPEC", "")).append(")\n");
    if (!auth) {
      b.append("  Auth       OFF (EMP_AUTH=off): anyone who can reach the port can submit\n");
    } else if (applied.generatedToken() != null) {
      b.append("  Token      ").append(applied.generatedToken())
        .append("   (generated for this run; set EMP_API_TOKEN to choose one)\n");
    } else {
      b.append("  Token      from EMP_API_TOKEN\n");
    }
    return b.append("\n  Try it:\n")
      .append("    curl -s -X POST ").append(base).append("/api/jobs").append(authHeader)
      .append(" -H 'Content-Type: application/json' \\\n")
      .append("         -d '{\"service\":\"simulation\",\"payload\":{\"duration_ms\":5000,\"steps\":5}}'\n")
      .append("    curl -N ").append(base).append("/api/jobs/<id>/events").append(authHeader).append('\n')
      .append("    curl -s ").append(base).append("/api/stats").append(authHeader).append('\n')
      .toString();
  }
}
