package io.emp.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The worker registry as the api shows it. */
final class Machines {
  private Machines() {
  }

  /**
   * The registry with list fields always arrays: the library's JSON encoder writes an empty Lua table
   * as {@code {}}, so a worker holding no job could otherwise show {@code "jobs": {}}.
   */
  static JsonArray normalized(JsonArray workers) {
    JsonArray out = new JsonArray();
    for (Object o : workers) {
      JsonObject w = ((JsonObject) o).copy();
      for (String list : List.of("jobs", "services")) {
        if (!(w.getValue(list) instanceof JsonArray)) {
          w.put(list, new JsonArray());
        }
      }
      if (!(w.getValue("connectors") instanceof JsonObject)) {
        w.put("connectors", new JsonObject());
      }
      out.add(w);
    }
    return out;
  }
}
