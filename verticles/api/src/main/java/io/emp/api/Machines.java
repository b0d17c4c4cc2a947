package io.emp.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Groups the worker registry by machine and derives each machine's status from its workers'. */
final class Machines {
  /** Most alive first: a machine is as alive as its most alive worker. */
  private static final List<String> PRESENCE = List.of("online", "stale", "offline", "left");

  private Machines() {
  }

  /** {@code [{"id", "status", "last_seen", "workers": [...]}]}, sorted by machine id. */
  static JsonArray group(JsonArray workers) {
    Map<String, JsonArray> byMachine = new TreeMap<>();
    for (Object o : normalized(workers)) {
      JsonObject w = (JsonObject) o;
      byMachine.computeIfAbsent(w.getString("machine", ""), k -> new JsonArray()).add(w);
    }
    JsonArray machines = new JsonArray();
    byMachine.forEach((id, ws) -> machines.add(new JsonObject()
      .put("id", id)
      .put("status", status(ws))
      .put("last_seen", lastSeen(ws))
      .put("workers", ws)));
    return machines;
  }

  /**
   * The registry with list fields always arrays: the library's JSON encoder writes an empty Lua table
   * as {@code {}}, so a worker holding no job would otherwise show {@code "jobs": {}}.
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
      out.add(w);
    }
    return out;
  }

  private static String status(JsonArray workers) {
    int best = PRESENCE.size() - 1;
    for (Object o : workers) {
      int p = PRESENCE.indexOf(((JsonObject) o).getString("status"));
      if (p >= 0 && p < best) {
        best = p;
      }
    }
    return PRESENCE.get(best);
  }

  private static long lastSeen(JsonArray workers) {
    long max = 0;
    for (Object o : workers) {
      max = Math.max(max, ((JsonObject) o).getLong("last_seen", 0L));
    }
    return max;
  }
}
