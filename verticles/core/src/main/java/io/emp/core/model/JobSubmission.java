package io.emp.core.model;

import io.emp.core.validation.ValidationException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated job submission. {@link #fromJson} checks every field's type and range and names the
 * first bad field; the function library re-checks the same rules (and the requirement document in
 * depth) before it writes anything.
 */
public record JobSubmission(
  String service,
  JsonObject payload,
  int priority,
  JsonObject requirements,
  String pool,
  String customerId,
  String workflowId,
  Integer workflowPriority,
  Long workflowDatetime,
  Integer stepNumber,
  int maxAttempts,
  Double timeoutS,
  long delayMs,
  String idempotencyKey,
  JsonObject backoff,
  String jobClass,
  String principal) {

  public static final int DEFAULT_PRIORITY = 50;
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final long DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;
  /** Service, pool and other names that appear in keys: 1–64 characters of [A-Za-z0-9_.:-]. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final Set<String> FIELDS = Set.of("service", "payload", "priority", "requirements", "pool",
    "customer_id", "workflow_id", "workflow_priority", "workflow_datetime", "step_number", "max_attempts",
    "timeout_s", "delay_ms", "idempotency_key", "backoff", "job_class");
  /** A job class name (docs/pools-and-models.md): 1–128 characters of [A-Za-z0-9_.:/@-]. */
  public static final Pattern CLASS = Pattern.compile("[A-Za-z0-9_.:/@-]{1,128}");
  private static final long MAX_EPOCH_MS = 9_999_999_999_999L;

  /** Validates a submission body. Throws {@link ValidationException} naming the first bad field. */
  public static JobSubmission fromJson(JsonObject body, long maxPayloadBytes) {
    if (body == null) {
      throw new ValidationException("body", "must be a JSON object");
    }
    for (String key : body.fieldNames()) {
      if (!FIELDS.contains(key)) {
        throw new ValidationException(key, "unknown field");
      }
      if (body.getValue(key) == null) {
        throw new ValidationException(key, "must not be null (omit the field instead)");
      }
    }
    JsonObject payload = object(body, "payload");
    if (payload == null) {
      payload = new JsonObject();
    }
    if (payload.encode().getBytes(StandardCharsets.UTF_8).length > maxPayloadBytes) {
      throw new io.emp.core.validation.PayloadTooLargeException("payload", maxPayloadBytes);
    }
    Double timeout = number(body, "timeout_s");
    if (timeout != null && (timeout <= 0 || timeout > 604_800)) {
      throw new ValidationException("timeout_s", "must be a number of seconds in (0, 604800]");
    }
    Integer priority = integer(body, "priority", 0, 100);
    Integer maxAttempts = integer(body, "max_attempts", 1, 20);
    Long delay = longValue(body, "delay_ms", 0, 2_592_000_000L);
    return new JobSubmission(
      name(body, "service", true),
      payload,
      priority == null ? DEFAULT_PRIORITY : priority,
      object(body, "requirements"),
      name(body, "pool", false),
      text(body, "customer_id", 128),
      text(body, "workflow_id", 128),
      integer(body, "workflow_priority", 0, 100),
      longValue(body, "workflow_datetime", 0, MAX_EPOCH_MS),
      integer(body, "step_number", 0, 1_000_000),
      maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts,
      timeout,
      delay == null ? 0 : delay,
      text(body, "idempotency_key", 200),
      backoff(body),
      jobClass(body),
      null);
  }

  /** Shorthand for tests and tools: a submission of {@code service} with {@code payload}. */
  public static JobSubmission of(String service, JsonObject payload) {
    return fromJson(new JsonObject().put("service", service).put("payload", payload), DEFAULT_MAX_PAYLOAD_BYTES);
  }

  /**
   * This submission made by {@code name} (the authenticated token's name, recorded on the job), for
   * customer {@code customer} when the token is bound to one and the body named none.
   */
  public JobSubmission by(String name, String customer) {
    return new JobSubmission(service, payload, priority, requirements, pool,
      customerId == null ? customer : customerId, workflowId, workflowPriority, workflowDatetime, stepNumber,
      maxAttempts, timeoutS, delayMs, idempotencyKey, backoff, jobClass, name);
  }

  /** The submission document for {@code emp_submit} (everything but the payload). */
  public JsonObject specJson() {
    JsonObject s = new JsonObject()
      .put("service", service)
      .put("priority", priority)
      .put("max_attempts", maxAttempts);
    put(s, "requirements", requirements);
    put(s, "pool", pool);
    put(s, "customer_id", customerId);
    put(s, "workflow_id", workflowId);
    put(s, "workflow_priority", workflowPriority);
    put(s, "workflow_datetime", workflowDatetime);
    put(s, "step_number", stepNumber);
    put(s, "timeout_s", timeoutS);
    put(s, "idempotency_key", idempotencyKey);
    put(s, "backoff", backoff);
    put(s, "job_class", jobClass);
    put(s, "principal", principal);
    if (delayMs > 0) {
      s.put("delay_ms", delayMs);
    }
    return s;
  }

  private static void put(JsonObject o, String key, Object value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  private static String jobClass(JsonObject body) {
    Object v = body.getValue("job_class");
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || !CLASS.matcher(s).matches()) {
      throw new ValidationException("job_class", "must be 1-128 characters of [A-Za-z0-9_.:/@-]");
    }
    return s;
  }

  private static String name(JsonObject body, String field, boolean required) {
    Object v = body.getValue(field);
    if (v == null && !required) {
      return null;
    }
    if (!(v instanceof String s) || !NAME.matcher(s).matches()) {
      throw new ValidationException(field, (required ? "required: " : "must be ") + "1-64 characters of [A-Za-z0-9_.:-]");
    }
    return s;
  }

  private static String text(JsonObject body, String field, int max) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty() || s.getBytes(StandardCharsets.UTF_8).length > max) {
      throw new ValidationException(field, "must be a non-empty string of at most " + max + " bytes");
    }
    return s;
  }

  private static JsonObject object(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw new ValidationException(field, "must be a JSON object");
    }
    return o;
  }

  private static Double number(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      throw new ValidationException(field, "must be a number");
    }
    return n.doubleValue();
  }

  private static Long longValue(JsonObject body, String field, long lo, long hi) {
    Double d = number(body, field);
    if (d == null) {
      return null;
    }
    if (d != Math.rint(d) || d < lo || d > hi) {
      throw new ValidationException(field, "must be an integer " + lo + "-" + hi);
    }
    return d.longValue();
  }

  private static Integer integer(JsonObject body, String field, long lo, long hi) {
    Long l = longValue(body, field, lo, hi);
    return l == null ? null : Math.toIntExact(l);
  }

  private static JsonObject backoff(JsonObject body) {
    JsonObject b = object(body, "backoff");
    if (b == null) {
      return null;
    }
    for (String key : b.fieldNames()) {
      if (!Set.of("base_ms", "factor", "cap_ms").contains(key)) {
        throw new ValidationException("backoff." + key, "unknown field");
      }
      Object v = b.getValue(key);
      if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 86_400_000) {
        throw new ValidationException("backoff." + key, "must be a number between 0 and 86400000");
      }
    }
    Object factor = b.getValue("factor");
    if (factor != null && ((Number) factor).doubleValue() < 1) {
      throw new ValidationException("backoff.factor", "must be >= 1");
    }
    return b;
  }
}
