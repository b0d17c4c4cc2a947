package io.emp.core.model;

import io.emp.core.validation.ValidationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A worker's capability document (docs/matching.md): {@code services}, {@code hardware},
 * {@code models}, {@code customer_access}, {@code pool}, {@code workflow_id}, {@code components},
 * {@code workflows}, {@code geographic_region}, {@code compliance} and any custom capabilities.
 * The function library validates it in depth at registration.
 */
public record WorkerCapabilities(JsonObject doc) {

  public WorkerCapabilities {
    if (doc == null) {
      throw new ValidationException("capabilities", "must be a JSON object");
    }
    Object services = doc.getValue("services");
    if (!(services instanceof JsonArray a)) {
      throw new ValidationException("capabilities.services", "must be an array of service names");
    }
    for (Object s : a) {
      if (!(s instanceof String name) || !JobSubmission.NAME.matcher(name).matches()) {
        throw new ValidationException("capabilities.services", "invalid service name: " + s);
      }
    }
  }

  /** Capabilities offering the given services and nothing else. */
  public static WorkerCapabilities of(String... services) {
    return new WorkerCapabilities(new JsonObject().put("services", new JsonArray(List.of((Object[]) services))));
  }

  public List<String> services() {
    return doc.getJsonArray("services").stream().map(String::valueOf).toList();
  }

  public String encode() {
    return doc.encode();
  }
}
