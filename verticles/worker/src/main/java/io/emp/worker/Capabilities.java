package io.emp.worker;

import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Builds a worker's capability document (docs/matching.md): the connectors' fragments merged deeply
 * in order (e.g. {@code models} per service), then {@code EMP_WORKER_CAPABILITIES} on top (the
 * operator wins), then the fields the worker owns: {@code services}, {@code machine_id} and
 * {@code pool}.
 */
final class Capabilities {
  private Capabilities() {
  }

  static WorkerCapabilities document(WorkerConfig config, List<String> services, List<JsonObject> fragments) {
    JsonObject doc = new JsonObject();
    for (JsonObject f : fragments) {
      if (f != null) {
        doc.mergeIn(f.copy(), true);
      }
    }
    doc.mergeIn(config.extraCapabilities().copy(), true);
    doc.put("services", new JsonArray(List.copyOf(services)));
    doc.put("machine_id", config.machineId());
    if (config.pool() != null) {
      doc.put("pool", config.pool());
    } else {
      doc.remove("pool");
    }
    return new WorkerCapabilities(doc);
  }
}
