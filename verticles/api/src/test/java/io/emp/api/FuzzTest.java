package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Hostile input against the HTTP api (docs/security.md#hostile-input): random and mutated submissions
 * (wrong types, nulls, huge numbers, deep nesting, duplicate keys, unicode edge cases, invalid UTF-8,
 * truncated and oversized bodies, wrong media types), garbage list parameters, hostile ids in every
 * job and machine route, and broken HTTP (long request lines and headers, control characters, CR/LF in
 * header values). Every answer must come within the deadline, be a 4xx with the JSON error (naming the
 * field for 400s) — or a 2xx for a request that happens to be valid, whose job must then read back
 * whole — and never a 5xx. Afterwards Redis must hold no half-written job, and no log line may carry
 * a raw line break or terminal escape from the input.
 *
 * <p>Knobs: {@code -Demp.fuzz.seed} (default {@value Fuzz#DEFAULT_SEED}), {@code -Demp.fuzz.count}
 * (default {@value #DEFAULT_COUNT} requests), {@code -Demp.fuzz.case} to replay one case.
 */
class FuzzTest extends ApiTestBase {
  static final int DEFAULT_COUNT = 2_000;
  private static final int PAYLOAD_LIMIT = 16_384;
  private static final long BODY_LIMIT = PAYLOAD_LIMIT + ApiConfig.ENVELOPE_BYTES;
  private static final int TIMEOUT_MS = 10_000;
  private static final Set<Integer> ALLOWED = Set.of(200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 414, 415, 431);
  private static final List<String> FIELDS = List.of("service", "payload", "priority", "requirements", "pool",
    "customer_id", "workflow_id", "workflow_priority", "workflow_datetime", "step_number", "max_attempts",
    "timeout_s", "delay_ms", "idempotency_key", "backoff", "job_class");
  private static final String UNKNOWN_ID = "01JGZ4Y1N6Q3W8K2V5T7R9M0AB";

  private final Set<String> acknowledged = new HashSet<>();
  private final List<String> realIds = new ArrayList<>();
  private final Map<Integer, Integer> statuses = new TreeMap<>();

  @Override
  Map<String, String> env() {
    Map<String, String> env = super.env();
    env.put("EMP_MAX_PAYLOAD_BYTES", String.valueOf(PAYLOAD_LIMIT));
    return env;
  }

  /** What a request is, so its answer can be judged. */
  private enum Kind { SUBMIT, READ, LIST, CANCEL, RETRY, EXPLAIN, OTHER }

  private record Case(String what, Kind kind, Req req) {
  }

  @Test
  @DisplayName("hostile HTTP requests: always a timely 4xx with the JSON error (or a valid 2xx), never a 5xx;"
    + " no half-written job; no forged log line")
  void hostileRequests() {
    for (int i = 0; i < 6; i++) {
      String id = submit(new JsonObject().put("service", "s").put("payload", new JsonObject().put("n", i)));
      realIds.add(id);
      acknowledged.add(id);
    }
    ListAppender<ILoggingEvent> logs = captureLogs();
    Fuzz fuzz = new Fuzz("FuzzTest");
    int[] cases = Fuzz.cases(Fuzz.count(DEFAULT_COUNT));
    long started = System.currentTimeMillis();
    try {
      for (int i : cases) {
        Case c = generate(Fuzz.random(i));
        try {
          RawHttp.Response r = RawHttp.exchange(HOST, port, c.req().bytes(port), TIMEOUT_MS, c.req().method.equals("HEAD"));
          statuses.merge(r.status(), 1, Integer::sum);
          judge(c, r);
        } catch (Throwable t) {
          fuzz.fail(i, c.what(), t);
        }
      }
    } finally {
      releaseLogs(logs);
    }
    System.out.printf("FuzzTest: %d requests (seed %d) in %d ms; statuses %s; %d jobs created%n", cases.length,
      Fuzz.SEED, System.currentTimeMillis() - started, statuses, acknowledged.size() - realIds.size());
    JobChecks.noHalfWrittenJobs(redis, keys, this::job, acknowledged);
    assertNoForgedLines(logs);
    fuzz.assertNoFailures(cases.length);
  }

  @Test
  @DisplayName("a ?token= is honoured on the stream endpoints only, also when the path hides another route behind ..")
  void queryTokenOnlyOnStreams() throws Exception {
    for (String target : List.of("/api/jobs/../machines/events", "/api/jobs/%2e%2e/machines/events",
      "/api/jobs/../../api/machines/x/../events", "/api/jobs/../stats/../events/../../api/workers/x/../events")) {
      Req req = new Req("GET", target + "?token=" + TOKEN);
      req.auth = null;
      RawHttp.Response r = RawHttp.exchange(HOST, port, req.bytes(port), TIMEOUT_MS, false);
      assertThat(r.status()).as(target + " -> " + r.bodyText()).isIn(401, 404);
      if (r.status() == 404) { // the route itself does not exist: nothing was reached with the query token
        assertThat(new JsonObject(r.bodyText()).getJsonObject("error").getString("message")).contains("no such endpoint");
      }
    }
  }

  // --- judging answers -----------------------------------------------------------------------------

  private void judge(Case c, RawHttp.Response r) {
    if (r.status() == 501 && !c.req().version.equals("HTTP/1.1") && !c.req().version.equals("HTTP/1.0")) {
      // Vert.x answers a request line that is not HTTP/1.x with an empty 501 before any handler runs
      // (Http1xServerRequestHandler): the one 5xx the api cannot turn into its JSON error
      return;
    }
    assertThat(r.status()).as("status (never 5xx) of %s", preview(r)).isIn(ALLOWED);
    if (r.status() >= 400) {
      judgeError(c, r);
      return;
    }
    if (c.req().method.equals("HEAD")) {
      return;
    }
    JsonObject body = new JsonObject(r.bodyText());
    switch (c.kind()) {
      case SUBMIT -> judgeSubmitted(c, r, body);
      case READ -> JobChecks.wellFormed(body, body.getString("id"));
      case LIST -> judgeList(body);
      case CANCEL -> assertThat(body.getString("status")).isIn("cancelled", "cancel_requested");
      case RETRY -> assertThat(body.getString("status")).isEqualTo("queued");
      case EXPLAIN -> assertThat(body.getValue("workers")).isInstanceOf(JsonArray.class);
      case OTHER -> assertThat(body).isNotNull();
    }
  }

  private static void judgeError(Case c, RawHttp.Response r) {
    if (c.req().method.equals("HEAD")) {
      return; // no body by definition
    }
    assertThat(r.headers().get("content-type")).as("error media type").startsWith("application/json");
    JsonObject error = new JsonObject(r.bodyText()).getJsonObject("error");
    assertThat(error).as("error object").isNotNull();
    assertThat(error.getString("code")).isNotBlank();
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.containsKey("field")).as("field key present").isTrue();
    if (r.status() == 400 || r.status() == 413 || r.status() == 415) {
      String field = error.getString("field");
      assertThat(field).as("a %d names the field", r.status()).isNotNull();
      if (field.isBlank()) { // only when the offending field's name really is blank
        assertThat(c.req().body == null ? "" : new String(c.req().body, StandardCharsets.UTF_8))
          .as("a blank field name for a body without such a key").contains(Fuzz.jsonString(field) + ":");
      }
    }
    if (r.status() == 401) {
      assertThat(r.headers().get("www-authenticate")).isEqualTo("Bearer");
    }
  }

  /** A 2xx submission must have been valid, and its job must read back whole. */
  private void judgeSubmitted(Case c, RawHttp.Response r, JsonObject answer) {
    JsonObject sent = JobChecks.strictObject(c.req().body == null ? new byte[0] : c.req().body);
    assertThat(sent).as("a 2xx for a body that is not a strict JSON object").isNotNull();
    String id = answer.getString("id");
    assertThat(id).matches(JobChecks.ULID);
    assertThat(answer.getString("status")).isIn("queued", "delayed", "assigned", "running", "completed", "failed",
      "cancelled");
    if (r.status() == 200) {
      assertThat(acknowledged).as("a duplicate answer names an earlier job").contains(id);
      return;
    }
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.headers().get("location")).isEqualTo("/api/jobs/" + id);
    acknowledged.add(id);
    JsonObject job = job(id);
    JobChecks.wellFormed(job, id);
    assertThat(job.getString("service")).isEqualTo(sent.getString("service"));
    assertThat(job.getJsonObject("payload", new JsonObject())).as("payload read back")
      .isEqualTo(sent.getJsonObject("payload", new JsonObject()));
    assertThat(job.getInteger("priority")).isEqualTo(sent.getNumber("priority", 50).intValue());
    assertThat(job.getInteger("max_attempts")).isEqualTo(sent.getNumber("max_attempts", 3).intValue());
    for (String text : List.of("customer_id", "workflow_id", "pool")) {
      if (sent.containsKey(text)) {
        assertThat(job.getString(text)).as(text).isEqualTo(sent.getString(text));
      }
    }
  }

  private static void judgeList(JsonObject body) {
    JsonArray jobs = body.getJsonArray("jobs");
    assertThat(jobs).isNotNull();
    for (Object o : jobs) {
      JsonObject j = (JsonObject) o;
      JobChecks.wellFormed(j, j.getString("id"));
      assertThat(j.containsKey("payload")).isFalse();
    }
    assertThat(body.containsKey("next_cursor")).isTrue();
    Object cursor = body.getValue("next_cursor");
    if (cursor != null) {
      assertThat((String) cursor).matches("\\d{1,16}:[0-9A-HJKMNP-TV-Z]{26}");
    }
  }

  private static String preview(RawHttp.Response r) {
    return r.status() + " " + RawHttp.preview(r.body());
  }

  // --- generating requests -------------------------------------------------------------------------

  private Case generate(Random r) {
    int dice = r.nextInt(100);
    if (dice < 40) {
      return mutatedSubmission(r);
    }
    if (dice < 50) {
      return damagedSubmission(r);
    }
    if (dice < 58) {
      return specialSubmission(r);
    }
    if (dice < 62) {
      return mediaTypes(r);
    }
    if (dice < 72) {
      return listQuery(r);
    }
    if (dice < 84) {
      return jobRoute(r);
    }
    if (dice < 89) {
      return machineRoute(r);
    }
    if (dice < 96) {
      return brokenHttp(r);
    }
    return authGarbage(r);
  }

  private Case submission(String what, byte[] body) {
    Req req = new Req("POST", "/api/jobs");
    req.contentType = "application/json";
    req.body = body;
    return new Case(what, Kind.SUBMIT, req);
  }

  private Case submission(String what, String body) {
    return submission(what, body.getBytes(StandardCharsets.UTF_8));
  }

  static JsonObject validBody(Random r) {
    JsonObject b = new JsonObject().put("service", pick(r, "comfyui", "s", "ollama", "a.b:c-d_e", "x".repeat(64)));
    if (r.nextBoolean()) {
      b.put("payload", r.nextBoolean()
        ? new JsonObject().put("workflow", new JsonObject().put("3", new JsonObject().put("class_type", "KSampler")
          .put("inputs", new JsonObject().put("seed", r.nextInt()))))
        : new JsonObject().put("prompt", Fuzz.hostileString(r)).put("n", r.nextInt(10)).put("f", r.nextDouble()));
    }
    if (r.nextInt(3) == 0) {
      b.put("priority", r.nextInt(101));
    }
    if (r.nextInt(4) == 0) {
      b.put("requirements", new JsonObject().put("hardware", new JsonObject().put("gpu_memory_gb", 16))
        .put("models", new JsonArray().add("sdxl")));
    }
    if (r.nextInt(4) == 0) {
      b.put("customer_id", pick(r, "acme", "globex", "é-customer"));
    }
    if (r.nextInt(6) == 0) {
      b.put("workflow_id", "wf-" + r.nextInt(5)).put("workflow_priority", r.nextInt(101))
        .put("workflow_datetime", 1_735_689_600_000L).put("step_number", r.nextInt(10));
    }
    if (r.nextInt(5) == 0) {
      b.put("max_attempts", 1 + r.nextInt(20));
    }
    if (r.nextInt(6) == 0) {
      b.put("timeout_s", 600);
    }
    if (r.nextInt(5) == 0) {
      b.put("idempotency_key", "key-" + r.nextInt(40)); // repeats: duplicates answer 200
    }
    if (r.nextInt(8) == 0) {
      b.put("backoff", new JsonObject().put("base_ms", 2000).put("factor", 2).put("cap_ms", 60000));
    }
    if (r.nextInt(10) == 0) {
      b.put("delay_ms", 60_000);
    }
    if (r.nextInt(10) == 0) {
      b.put("pool", "fast");
    }
    if (r.nextInt(12) == 0) {
      b.put("job_class", "comfyui:txt2img/sdxl@1");
    }
    return b;
  }

  private Case mutatedSubmission(Random r) {
    JsonObject b = validBody(r);
    int n = r.nextInt(5); // 0: the valid body itself
    List<String> did = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      did.add(mutate(r, b));
    }
    return submission("POST /api/jobs mutated " + did, b.encode());
  }

  static String mutate(Random r, JsonObject b) {
    String field = FIELDS.get(r.nextInt(FIELDS.size()));
    switch (r.nextInt(11)) {
      case 0 -> b.put(field, Fuzz.hostileScalar(r));
      case 1 -> b.put(field, Fuzz.randomValue(r, 3));
      case 2 -> b.remove("service");
      case 3 -> {
        field = Fuzz.hostileString(r);
        b.put(field, Fuzz.randomValue(r, 2));
      }
      case 4 -> b.putNull(field);
      case 5 -> {
        field = "requirements";
        b.put(field, requirements(r, 0));
      }
      case 6 -> {
        field = "payload";
        b.put(field, payload(r));
      }
      case 7 -> {
        field = "backoff";
        JsonObject backoff = new JsonObject();
        for (int i = r.nextInt(4); i >= 0; i--) {
          backoff.put(pick(r, "base_ms", "factor", "cap_ms", Fuzz.hostileString(r)), Fuzz.hostileScalar(r));
        }
        b.put(field, backoff);
      }
      case 8 -> {
        field = "payload";
        b.put(field, new JsonObject().put("x", "p".repeat(PAYLOAD_LIMIT - 200 + r.nextInt(400))));
      }
      case 9 -> b.put(field, Fuzz.hostileString(r));
      default -> {
        field = "service";
        b.put(field, Fuzz.hostileString(r));
      }
    }
    return field;
  }

  private static JsonObject payload(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> {
        JsonObject o = new JsonObject();
        JsonObject at = o;
        int depth = pick(r, 10, 50, 200); // deeper: as text in specialSubmission (encoding recurses)
        for (int i = 0; i < depth; i++) {
          JsonObject next = new JsonObject();
          at.put("d", next);
          at = next;
        }
        yield o;
      }
      case 1 -> new JsonObject().put("values", Fuzz.randomValue(r, 4));
      case 2 -> new JsonObject().put(Fuzz.hostileString(r), Fuzz.hostileScalar(r));
      default -> Fuzz.randomValue(r, 4) instanceof JsonObject o ? o : new JsonObject().put("v", "x");
    };
  }

  /** A requirement document with hostile keys and values at every level (docs/matching.md). */
  private static JsonObject requirements(Random r, int level) {
    JsonObject q = new JsonObject();
    for (int i = 1 + r.nextInt(3); i > 0; i--) {
      String key = pick(r, "hardware", "models", "customer_isolation", "service_type", "component", "workflow",
        "quality_level", "timeout_minutes", "geographic_region", "compliance", "positive_requirements",
        "negative_requirements", "gpu", "location.region", Fuzz.hostileString(r));
      Object value = switch (key) {
        case "hardware" -> {
          JsonObject hw = new JsonObject();
          for (int k = r.nextInt(3); k >= 0; k--) {
            hw.put(pick(r, "gpu_memory_gb", "cpu_cores", "ram_gb", "gpu_model", Fuzz.hostileString(r)),
              r.nextInt(4) == 0 ? "all" : Fuzz.hostileScalar(r));
          }
          yield r.nextInt(8) == 0 ? Fuzz.hostileScalar(r) : hw;
        }
        case "models" -> {
          JsonArray models = new JsonArray();
          for (int k = r.nextInt(4); k > 0; k--) {
            models.add(r.nextInt(3) == 0 ? Fuzz.hostileScalar(r) : Fuzz.hostileString(r));
          }
          yield r.nextInt(6) == 0 ? "all" : models;
        }
        case "positive_requirements", "negative_requirements" -> level < 2 ? requirements(r, level + 1)
          : Fuzz.hostileScalar(r);
        default -> r.nextBoolean() ? Fuzz.hostileScalar(r) : Fuzz.randomValue(r, r.nextInt(8));
      };
      q.put(key, value);
    }
    return q;
  }

  private Case damagedSubmission(Random r) {
    String text = validBody(r).encode();
    for (int k = 1 + r.nextInt(2); k > 0; k--) {
      text = Fuzz.damage(r, text);
    }
    return submission("POST /api/jobs damaged text", text);
  }

  private Case specialSubmission(Random r) {
    String service = "{\"service\":\"s\",";
    return switch (r.nextInt(12)) {
      case 0 -> submission("empty or scalar body", pick(r, "", "   ", "null", "[]", "\"text\"", "123", "{}", "true",
        "[{\"service\":\"s\"}]", "\n"));
      case 1 -> submission("10k levels of nesting", service + "\"payload\":{\"d\":"
        + Fuzz.nested(10_000, r.nextBoolean(), "1") + "}}");
      case 2 -> submission("nesting around the parser limit", service + "\"payload\":"
        + Fuzz.nested(pick(r, 996, 997, 998, 999, 1000), true, "{}") + "}");
      case 3 -> submission("body over the limit", service + "\"payload\":{\"x\":\""
        + "b".repeat((int) BODY_LIMIT + r.nextInt(2000)) + "\"}}");
      case 4 -> submission("payload over the limit", service + "\"payload\":{\"x\":\""
        + "b".repeat(PAYLOAD_LIMIT + r.nextInt(2000)) + "\"}}");
      case 5, 6 -> submission("invalid UTF-8 bytes", Fuzz.withInvalidUtf8(r, validBody(r).put("payload",
        new JsonObject().put("p", "text")).encode()));
      case 7 -> submission("escaped surrogates and controls", service + "\"payload\":{\"k\":\""
        + pick(r, "\\ud800", "\\udc00x", "\\u0000", "\\ud83d\\ude00", "\\uD800\\u0041", "\\u001b[31m", "\\u2028",
        "\\uDBFF\\uDFFF") + "\"}}");
      case 8 -> submission("escaped surrogate in a key", service + "\"payload\":{\""
        + pick(r, "\\ud800", "\\udfff", "ok\\ud83d\\ude00") + "\":1}}");
      case 9 -> submission("huge numbers", service + "\"payload\":{\"n\":"
        + pick(r, "1e308", "-1e308", "1e999", "-1e999", "1e-999", "-0", "-0.0", "123456789012345678901234567890",
        "4.9e-324", "1" + "0".repeat(999)) + "}}");
      case 10 -> submission("duplicate keys", "{\"service\":\"s\",\"payload\":{\"a\":1,\"a\":2},\"priority\":"
        + "\"high\",\"priority\":10,\"service\":\"" + pick(r, "t", "bad name") + "\"}");
      default -> {
        Case c = submission("chunked body", validBody(r).encode());
        c.req().chunked = r.nextInt(4) == 0 ? "zz" : "ok";
        yield c;
      }
    };
  }

  private Case mediaTypes(Random r) {
    Case c = r.nextBoolean() ? mutatedSubmission(r) : submission("valid body", validBody(r).encode());
    c.req().contentType = pick(r, "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=UTF-16",
      "text/plain", null, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx",
      "*/*", "application/*", "", "application/json\u0001", "application/json, text/plain", "json",
      "application/json; charset=\"utf-8\"", "application/problem+json");
    return new Case("Content-Type " + LogSafeQuote.of(c.req().contentType) + " " + c.what(), Kind.SUBMIT, c.req());
  }

  private Case listQuery(Random r) {
    StringBuilder q = new StringBuilder();
    for (int i = r.nextInt(5); i >= 0; i--) {
      String name = pick(r, "status", "limit", "cursor", "service", "status", "limit", "unknown", "token", "");
      String value = switch (name) {
        case "status" -> pick(r, "queued", "delayed", "assigned", "running", "completed", "failed", "cancelled",
          "QUEUED", "done", Fuzz.hostileString(r));
        case "limit" -> pick(r, "1", "50", "500", "0", "-1", "501", "1e2", " 5", "5 ", "0x10", "9999999999999", "",
          "NaN", "2147483648", "+3", "٣", Fuzz.hostileString(r));
        case "cursor" -> pick(r, "1735689600000:" + UNKNOWN_ID, "9999999999999999:" + UNKNOWN_ID,
          "99999999999999999:" + UNKNOWN_ID, "0:" + realIds.get(0), "1:x", ":", "1735689600000:" + UNKNOWN_ID + "\n",
          Fuzz.hostileString(r));
        case "service" -> pick(r, "s", "comfyui", "x".repeat(65), Fuzz.hostileString(r));
        default -> Fuzz.hostileString(r);
      };
      q.append(q.length() == 0 ? "?" : "&").append(encode(r, name)).append('=').append(encode(r, value));
    }
    if (r.nextInt(8) == 0) {
      q.append(pick(r, "&%zz=1", "&%=%", "&a=%0", "&&&", "&=", "&a=b=c", "&%u0041=1", "&x=%E2%82", "&%00=%00"));
    }
    return new Case("GET /api/jobs" + q, Kind.LIST, new Req(pick(r, "GET", "GET", "GET", "HEAD"), "/api/jobs" + q));
  }

  private Case jobRoute(Random r) {
    String suffix = pick(r, "", "", "/cancel", "/retry", "/explain", "/events", "/events?last_event_id=x1");
    boolean real = r.nextInt(4) == 0 && !suffix.startsWith("/events");
    String id = real ? realIds.get(r.nextInt(realIds.size()))
      : pick(r, UNKNOWN_ID, UNKNOWN_ID.toLowerCase(), "", "x", "0", "01JGZ4Y1N6Q3W8K2V5T7R9M0A", UNKNOWN_ID + "0",
        "01JGZ4Y1N6Q3W8K2V5T7R9M0AI", "%zz", "%", "%0d%0aSet-Cookie:%20x=y", "%0A2026-11-28%2023:59:59.000%20INFO%20fake",
        "%00", "%E2%82", "%C0%80", "x".repeat(5_000), "x".repeat(9_000), "@", "%2F", "~", "%7e");
    boolean traversal = !real && !suffix.startsWith("/events") && r.nextInt(6) == 0;
    if (traversal) {
      id = pick(r, "../stats", "..%2fstats", "%2e%2e/%2e%2e/api/stats", "../../api/workers", "..", "%2e%2e",
        "./" + UNKNOWN_ID, "..;/stats", "..\\stats");
    } else if (!real && r.nextInt(3) == 0) {
      id = encode(r, Fuzz.hostileString(r)).replace("/", "%2F").replace(".", "%2E");
    }
    String method = switch (suffix) {
      case "/cancel", "/retry" -> "POST";
      default -> "GET";
    };
    if (r.nextInt(10) == 0) {
      method = pick(r, "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "HEAD", "POST", "GET");
    }
    if (suffix.startsWith("/events") && !method.equals("GET") && !method.equals("HEAD")) {
      suffix = "/explain";
    }
    Kind kind = switch (suffix) {
      case "" -> id.isEmpty() ? Kind.OTHER : Kind.READ; // /api/jobs/ is the list
      case "/cancel" -> Kind.CANCEL;
      case "/retry" -> Kind.RETRY;
      case "/explain" -> Kind.EXPLAIN;
      default -> Kind.OTHER;
    };
    if (!method.equals(suffix.isEmpty() || suffix.equals("/explain") ? "GET" : "POST")) {
      kind = Kind.OTHER;
    }
    if (traversal) {
      kind = Kind.OTHER; // normalised into another route: any of its valid answers
    }
    return new Case(method + " /api/jobs/" + abbreviate(id) + suffix, kind, new Req(method, "/api/jobs/" + id + suffix));
  }

  private Case machineRoute(Random r) {
    String id = r.nextBoolean() ? encode(r, Fuzz.hostileString(r)).replace("/", "%2F").replace(".", "%2E")
      : pick(r, "m1", "x".repeat(129), "%zz", "%0d%0a", "a%00b", "");
    String service = r.nextBoolean() ? encode(r, Fuzz.hostileString(r)).replace("/", "%2F").replace(".", "%2E")
      : pick(r, "comfyui-gpu0", "%zz", "");
    String[] route = switch (r.nextInt(8)) {
      case 0 -> new String[] {"GET", "/api/machines/" + id};
      case 1 -> new String[] {"DELETE", "/api/machines/" + id};
      case 2 -> new String[] {"POST", "/api/machines/" + id + "/restart"};
      case 3 -> new String[] {"POST", "/api/machines/" + id + "/drain"};
      case 4 -> new String[] {"POST", "/api/machines/" + id + "/services/" + service + "/" + pick(r, "restart", "stop",
        "start", "kill")};
      case 5 -> new String[] {"GET", "/api/machines/" + id + "/services/" + service + "/logs?lines="
        + encode(r, pick(r, "0", "5001", "-1", "x", "", "100", "1e3", Fuzz.hostileString(r)))};
      case 6 -> new String[] {pick(r, "GET", "POST", "PUT"), pick(r, "/api/machines", "/api/workers", "/api/stats",
        "/api/machines?x=%zz")};
      default -> new String[] {"GET", "/api/events?last_event_id=" + encode(r, "x" + Fuzz.hostileString(r))};
    };
    return new Case(route[0] + " " + abbreviate(route[1]), Kind.OTHER, new Req(route[0], route[1]));
  }

  private Case brokenHttp(Random r) {
    Req req = new Req("GET", "/api/jobs");
    Kind kind = Kind.LIST;
    String what;
    switch (r.nextInt(14)) {
      case 0 -> {
        req.target = "/api/jobs?service=" + "a".repeat(pick(r, 8_000, 9_000, 70_000));
        what = "long URL";
      }
      case 1 -> {
        req.headers.add("X-Fuzz: " + "h".repeat(pick(r, 15_000, 17_000, 100_000)));
        what = "long header";
      }
      case 2 -> {
        for (int i = 0; i < 600; i++) {
          req.headers.add("X-Many-" + i + ": " + "v".repeat(30));
        }
        what = "600 headers";
      }
      case 3 -> {
        req.headers.add("X-Fuzz: " + pick(r, "a\u0000b", "\u001b[31mred", "a\u007fb", "é", "\uFEFF", "x\rINFO fake",
          "\u0085", "a\u000bb"));
        what = "control characters in a header value";
      }
      case 4 -> {
        req.headers.add(pick(r, "Bad Header: x", "NoColon", ": empty", "X-A: a\r\n b", "X-\u0000: y", "\u001b: z",
          "X-B:\tx", "Content-Length: 5", "Content-Length: -1", "Content-Length: 99999999999999999999",
          "Transfer-Encoding: gzip", "Transfer-Encoding: chunked, identity", "Expect: 100-continue",
          "Last-Event-ID: " + Fuzz.hostileString(r)));
        what = "malformed header " + LogSafeQuote.of(req.headers.get(0));
        kind = Kind.OTHER;
      }
      case 5 -> {
        req.headers.add("X-Fuzz: a\r\nContent-Length: 0");
        req.method = "POST";
        req.contentType = "application/json";
        req.body = "{\"service\":\"s\"}".getBytes(StandardCharsets.UTF_8);
        what = "CR/LF injection: a second Content-Length";
        kind = Kind.SUBMIT;
      }
      case 6 -> {
        req.headers.add("X-Fuzz: a\r\n\r\nGET /api/stats HTTP/1.1\r\nHost: x");
        what = "CR/LF injection: a smuggled request";
      }
      case 7 -> {
        req.version = pick(r, "HTTP/9.9", "HTTP/1.0", "HTTP/1.1 extra", "HTTP/0.9", "", "HTTPS/1.1", "http/1.1");
        what = "request line version " + LogSafeQuote.of(req.version);
        kind = Kind.OTHER;
      }
      case 8 -> {
        req.target = pick(r, "api/jobs", "http://evil.example/api/jobs", "*", "//api/jobs", "/api//jobs",
          "/api/jobs#frag", "/api/jobs\u001b[31m", "/api/jobs/\u0000", "/api/jobs?\u0000", "/%", "/api/%zz",
          "/api/jobs/%C0%AF", "/api/./jobs", "/api/jobs/.", "/API/JOBS", "/api/jobs;x=1");
        what = "request target " + LogSafeQuote.of(req.target);
        kind = Kind.OTHER;
      }
      case 9 -> {
        req.method = pick(r, "FOO", "get", "CONNECT", "TRACE", "OPTIONS", "PATCH", "PUT", "DELETE", "G\u0000T", "",
          "POST ", "PROPFIND", "HEAD");
        what = "method " + LogSafeQuote.of(req.method);
        kind = Kind.OTHER;
      }
      case 10 -> {
        req.headers.add("Host: second.example");
        what = "two Host headers";
      }
      case 11 -> {
        req.rawPrefix = pick(r, "\u0000\u0001\u0002\u0003", "\r\n\r\n", "\u0016\u0003\u0001\u0000", " ");
        what = "garbage before the request line";
        kind = Kind.OTHER;
      }
      case 12 -> {
        req.headers.add("Authorization: Bearer " + TOKEN);
        what = "two Authorization headers";
      }
      default -> {
        req.headers.add("Cookie: " + "c=".repeat(3000));
        what = "large cookie";
      }
    }
    return new Case(what, kind, req);
  }

  private Case authGarbage(Random r) {
    Case c = r.nextBoolean() ? new Case("GET /api/jobs", Kind.LIST, new Req("GET", "/api/jobs"))
      : submission("valid body", validBody(r).encode());
    c.req().auth = pick(r, null, "Bearer", "Bearer ", "Bearer wrong", "Basic dXNlcjpwdw==", "bearer " + TOKEN,
      "Bearer  " + TOKEN, "Bearer " + TOKEN + "x", "Bearer " + "t".repeat(10_000), "Token " + TOKEN,
      "Bearer " + Fuzz.hostileString(r), TOKEN, "Bearer " + TOKEN.toUpperCase());
    return new Case("Authorization " + LogSafeQuote.of(c.req().auth) + " " + c.what(), c.kind(), c.req());
  }

  // --- helpers -------------------------------------------------------------------------------------

  /** Percent-encodes the UTF-8 bytes of {@code s}; sometimes leaves it raw, to see what the decoder makes of it. */
  private static String encode(Random r, String s) {
    if (r.nextInt(8) == 0) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(String.format("%02X", c));
      }
    }
    return out.toString();
  }

  private static String abbreviate(String s) {
    return LogSafeQuote.of(s.length() > 60 ? s.substring(0, 60) + "…(" + s.length() + ")" : s);
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }

  private ListAppender<ILoggingEvent> captureLogs() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(appender);
    return appender;
  }

  private static void releaseLogs(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(appender);
    appender.stop();
  }

  /** No log line written while the hostile requests were handled carries a raw line break or escape. */
  static void assertNoForgedLines(ListAppender<ILoggingEvent> logs) {
    List<ILoggingEvent> lines;
    synchronized (logs) { // the appender adds under its own lock
      lines = List.copyOf(logs.list);
    }
    for (ILoggingEvent e : lines) {
      assertThat(e.getFormattedMessage()).as("log line of %s", e.getLoggerName())
        .doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b").doesNotContain("\u2028");
    }
  }

  /** A raw HTTP/1.1 request, written byte for byte as configured. */
  private static final class Req {
    String method;
    String target;
    String version = "HTTP/1.1";
    String auth = "Bearer " + TOKEN;
    String contentType;
    byte[] body;
    /** null: Content-Length; "ok": valid chunked encoding; anything else: that as the first chunk size. */
    String chunked;
    String rawPrefix = "";
    final List<String> headers = new ArrayList<>();

    Req(String method, String target) {
      this.method = method;
      this.target = target;
    }

    byte[] bytes(int port) {
      StringBuilder head = new StringBuilder(rawPrefix);
      head.append(method).append(' ').append(target).append(' ').append(version).append("\r\n");
      head.append("Host: ").append(HOST).append(':').append(port).append("\r\n");
      if (auth != null) {
        head.append("Authorization: ").append(auth).append("\r\n");
      }
      if (contentType != null) {
        head.append("Content-Type: ").append(contentType).append("\r\n");
      }
      headers.forEach(h -> head.append(h).append("\r\n"));
      if (body != null && chunked == null) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      } else if (body != null) {
        head.append("Transfer-Encoding: chunked\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
      if (body != null && chunked == null) {
        out.writeBytes(body);
      } else if (body != null) {
        int half = body.length / 2;
        String firstSize = chunked.equals("ok") ? Integer.toHexString(half) : chunked;
        out.writeBytes((firstSize + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, half);
        out.writeBytes(("\r\n" + Integer.toHexString(body.length - half) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, half, body.length - half);
        out.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      return out.toByteArray();
    }
  }

  /** Case descriptions are printed: keep hostile text printable. */
  private static final class LogSafeQuote {
    static String of(String s) {
      return s == null ? "(none)" : "'" + io.emp.core.LogSafe.of(s, 80) + "'";
    }
  }
}
