package io.emp.core.model;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A job as stored in its Redis hash (docs/redis-functions.md), with payload and result as raw JSON
 * text (null when absent or not loaded). Optional fields are null when the hash lacks them.
 */
public record Job(
  String id,
  JobStatus status,
  String service,
  String pool,
  int priority,
  String customerId,
  String workflowId,
  Integer workflowPriority,
  Long workflowDatetime,
  Integer stepNumber,
  long submittedAt,
  int maxAttempts,
  int failures,
  int losses,
  String worker,
  String token,
  Long assignedAt,
  Long startedAt,
  Long finishedAt,
  Long leaseUntil,
  Long delayedUntil,
  double progress,
  String message,
  String error,
  String failReason,
  boolean cancelRequested,
  Double timeoutS,
  String signature,
  String jobClass,
  String poolSource,
  String principal,
  String payload,
  String result) {

  /** Builds a job from its hash fields. */
  public static Job fromFields(String id, Map<String, String> f, String payload, String result) {
    return new Job(id,
      JobStatus.fromWire(f.get("status")),
      f.get("service"),
      f.get("pool"),
      intOr(f.get("priority"), 50),
      f.get("customer_id"),
      f.get("workflow_id"),
      integer(f.get("workflow_priority")),
      longOrNull(f.get("workflow_datetime")),
      integer(f.get("step_number")),
      longOrNull(f.get("submitted_at")) == null ? 0 : Long.parseLong(f.get("submitted_at")),
      intOr(f.get("max_attempts"), 3),
      intOr(f.get("failures"), 0),
      intOr(f.get("losses"), 0),
      f.get("worker"),
      f.get("token"),
      longOrNull(f.get("assigned_at")),
      longOrNull(f.get("started_at")),
      longOrNull(f.get("finished_at")),
      longOrNull(f.get("lease_until")),
      longOrNull(f.get("delayed_until")),
      f.get("progress") == null ? 0 : Double.parseDouble(f.get("progress")),
      f.get("message"),
      f.get("error"),
      f.get("fail_reason"),
      "1".equals(f.get("cancel_requested")),
      f.get("timeout_s") == null ? null : Double.valueOf(f.get("timeout_s")),
      f.get("sig"),
      f.get("class"),
      f.get("pool_source"),
      f.get("principal"),
      emptyToNull(payload),
      emptyToNull(result));
  }

  /** The attempt running or next to run (1-based); for a failed job, the attempts it used. */
  public int attempt() {
    return status == JobStatus.FAILED && failures > 0 ? failures : failures + 1;
  }

  /** The wire form used by the api and the monitor. Payload and result are embedded as JSON. */
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
      .put("id", id)
      .put("status", status.wire())
      .put("service", service)
      .put("priority", priority)
      .put("submitted_at", submittedAt)
      .put("attempt", attempt())
      .put("max_attempts", maxAttempts)
      .put("losses", losses)
      .put("progress", progress)
      .put("cancel_requested", cancelRequested);
    putIfSet(j, "pool", pool);
    putIfSet(j, "customer_id", customerId);
    putIfSet(j, "workflow_id", workflowId);
    putIfSet(j, "workflow_priority", workflowPriority);
    putIfSet(j, "workflow_datetime", workflowDatetime);
    putIfSet(j, "step_number", stepNumber);
    putIfSet(j, "worker", worker);
    putIfSet(j, "assigned_at", assignedAt);
    putIfSet(j, "started_at", startedAt);
    putIfSet(j, "finished_at", finishedAt);
    putIfSet(j, "lease_until", leaseUntil);
    putIfSet(j, "delayed_until", delayedUntil);
    putIfSet(j, "message", message);
    putIfSet(j, "error", error);
    putIfSet(j, "fail_reason", failReason);
    putIfSet(j, "timeout_s", timeoutS);
    putIfSet(j, "class", jobClass);
    putIfSet(j, "pool_source", poolSource);
    putIfSet(j, "principal", principal);
    if (payload != null) {
      j.put("payload", new JsonObject(payload));
    }
    if (result != null) {
      j.put("result", parseJson(result));
    }
    return j;
  }

  private static Object parseJson(String text) {
    String t = text.trim();
    if (t.startsWith("{")) {
      return new JsonObject(t);
    }
    if (t.startsWith("[")) {
      return new io.vertx.core.json.JsonArray(t);
    }
    return io.vertx.core.json.Json.decodeValue(t);
  }

  private static void putIfSet(JsonObject j, String key, Object value) {
    if (value != null) {
      j.put(key, value);
    }
  }

  private static int intOr(String s, int fallback) {
    return s == null ? fallback : (int) Double.parseDouble(s);
  }

  private static Integer integer(String s) {
    return s == null ? null : (int) Double.parseDouble(s);
  }

  private static Long longOrNull(String s) {
    return s == null ? null : (long) Double.parseDouble(s);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
