package io.emp.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Renders claim benchmark results as the Markdown table recorded in docs/benchmarks.md. */
final class ClaimReport {
  private ClaimReport() {
  }

  static String markdown(JsonArray results) {
    StringBuilder sb = new StringBuilder();
    sb.append("| pending jobs | signatures | client p50 µs | client p99 µs | server p50 µs | server p99 µs")
      .append(" | server max µs | bytes/job beyond payload (excl. events) |\n")
      .append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    long firstServerP99 = -1;
    long lastServerP99 = -1;
    long firstClientP99 = -1;
    long lastClientP99 = -1;
    for (Object o : results) {
      JsonObject r = (JsonObject) o;
      JsonObject client = r.getJsonObject("claim").getJsonObject("client_us");
      JsonObject server = r.getJsonObject("claim").getJsonObject("server_us");
      JsonObject mem = r.getJsonObject("memory");
      sb.append(String.format("| %,d | %d | %d | %d | %d | %d | %d | %d (%d) |%n",
        r.getLong("depth"), r.getInteger("signatures"),
        client.getLong("p50"), client.getLong("p99"), server.getLong("p50"), server.getLong("p99"),
        server.getLong("max"), mem.getLong("bytes_per_job_beyond_payload"),
        mem.getLong("bytes_per_job_beyond_payload_excluding_events")));
      if (firstServerP99 < 0) {
        firstServerP99 = server.getLong("p99");
        firstClientP99 = client.getLong("p99");
      }
      lastServerP99 = server.getLong("p99");
      lastClientP99 = client.getLong("p99");
    }
    if (results.size() > 1) {
      sb.append(String.format("%np99(deepest) / p99(shallowest): client %.2f, server %.2f%n",
        (double) lastClientP99 / firstClientP99, (double) lastServerP99 / firstServerP99));
    }
    return sb.toString();
  }
}
