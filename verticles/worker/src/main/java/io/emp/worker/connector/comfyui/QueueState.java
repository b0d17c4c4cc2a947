package io.emp.worker.connector.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * ComfyUI's {@code GET /queue}: {@code {"queue_running": [...], "queue_pending": [...]}}. Each item is
 * {@code [number, prompt_id, prompt, extra_data, outputs]} (objects with a {@code prompt_id} are accepted too).
 */
record QueueState(Set<String> running, Set<String> pending) {

  static QueueState from(JsonObject body) {
    return new QueueState(ids(body.getValue("queue_running")), ids(body.getValue("queue_pending")));
  }

  boolean contains(String promptId) {
    return running.contains(promptId) || pending.contains(promptId);
  }

  private static Set<String> ids(Object list) {
    Set<String> out = new LinkedHashSet<>();
    if (list instanceof JsonArray items) {
      for (Object item : items) {
        Object id = item instanceof JsonArray a && a.size() > 1 ? a.getValue(1)
          : item instanceof JsonObject o ? o.getValue("prompt_id") : null;
        if (id instanceof String s) {
          out.add(s);
        }
      }
    }
    return Set.copyOf(out);
  }
}
