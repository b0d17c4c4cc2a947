package io.emp.core.events;

import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One entry of the namespace event stream ({@code emp:{ns}:events}), as written by the function
 * library (docs/redis-functions.md#events). {@link #id()} is the stream id: the event time in epoch
 * ms, a dash, a sequence number; it is what SSE sends as {@code id:} and what a client resumes from.
 */
public record BrokerEvent(String id, String type, Map<String, String> fields) {
  private static final Set<String> NUMERIC = Set.of("progress", "attempt", "priority", "due", "released", "wait_ms");

  /** Parses an XREAD/XRANGE entry: {@code [id, [field, value, ...]]}. */
  public static BrokerEvent fromEntry(Response entry) {
    String id = entry.get(0).toString();
    Response flat = entry.get(1);
    Map<String, String> f = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      f.put(flat.get(i).toString(), flat.get(i + 1).toString());
    }
    return new BrokerEvent(id, f.getOrDefault("type", ""), f);
  }

  public static BrokerEvent fromJson(JsonObject j) {
    Map<String, String> f = new LinkedHashMap<>();
    j.forEach(e -> {
      if (!e.getKey().equals("id") && !e.getKey().equals("ts") && e.getValue() != null) {
        f.put(e.getKey(), String.valueOf(e.getValue()));
      }
    });
    return new BrokerEvent(j.getString("id"), j.getString("type"), f);
  }

  /** Epoch milliseconds of the event (the stream id's first part). */
  public long timestamp() {
    return timestampOf(id);
  }

  public static long timestampOf(String streamId) {
    int dash = streamId.indexOf('-');
    return Long.parseLong(dash < 0 ? streamId : streamId.substring(0, dash));
  }

  public String job() {
    return fields.get("job");
  }

  public String status() {
    return fields.get("status");
  }

  public boolean isJobEvent() {
    return type.startsWith("job.");
  }

  /** A terminal transition: nothing follows it for this job unless it is retried. */
  public boolean isTerminal() {
    return type.equals("job.completed") || type.equals("job.failed") || type.equals("job.cancelled");
  }

  /** Wire form: {@code {"id", "ts", "type", ...fields}}, numeric fields as numbers, empty ones dropped. */
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("id", id).put("ts", timestamp()).put("type", type);
    fields.forEach((k, v) -> {
      if (k.equals("type") || v == null || v.isEmpty()) {
        return;
      }
      if (NUMERIC.contains(k)) {
        try {
          double d = Double.parseDouble(v);
          j.put(k, d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d);
          return;
        } catch (NumberFormatException ignored) {
          // fall through: keep the text
        }
      }
      j.put(k, v);
    });
    return j;
  }

  /** True when stream id {@code a} is after {@code b}. */
  public static boolean isAfter(String a, String b) {
    long ta = timestampOf(a);
    long tb = timestampOf(b);
    if (ta != tb) {
      return ta > tb;
    }
    return sequence(a) > sequence(b);
  }

  private static long sequence(String id) {
    int dash = id.indexOf('-');
    return dash < 0 ? 0 : Long.parseLong(id.substring(dash + 1));
  }
}
