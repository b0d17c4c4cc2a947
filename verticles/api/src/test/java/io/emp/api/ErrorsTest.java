package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ErrorsTest extends ApiTestBase {
  private static final String UNKNOWN_ID = "01JGZ4Y1N6Q3W8K2V5T7R9M0AB";
  private static final int PAYLOAD_LIMIT = 1024;

  @Override
  Map<String, String> env() {
    Map<String, String> env = super.env();
    env.put("EMP_MAX_PAYLOAD_BYTES", String.valueOf(PAYLOAD_LIMIT));
    return env;
  }

  @Test
  @DisplayName("invalid submissions are 400 naming the field, and write nothing")
  void invalidBodies() {
    submit("s"); // something to compare against
    List<String> before = namespaceKeys();
    long eventsBefore = events();
    JsonObject stats = stats();

    assertError(post("/api/jobs", new JsonObject().put("service", "s").put("priority", "75")), 400, "INVALID", "priority");
    assertError(post("/api/jobs", new JsonObject().put("service", "s").putNull("requirements")), 400, "INVALID",
      "requirements");
    assertError(post("/api/jobs", new JsonObject().put("service", "s").put("colour", "red")), 400, "INVALID", "colour");
    assertError(post("/api/jobs", new JsonObject().put("payload", new JsonObject())), 400, "INVALID", "service");
    assertError(post("/api/jobs", new JsonObject().put("service", "s").put("priority", 101)), 400, "INVALID", "priority");
    assertError(post("/api/jobs", new JsonObject().put("service", "s").put("max_attempts", 0)), 400, "INVALID",
      "max_attempts");
    assertError(post("/api/jobs", new JsonObject().put("service", "s").put("payload", "text")), 400, "INVALID", "payload");
    assertError(post("/api/jobs", new JsonObject().put("service", "bad name")), 400, "INVALID", "service");
    assertError(post("/api/jobs", new JsonObject().put("service", "s")
      .put("backoff", new JsonObject().put("speed", 1))), 400, "INVALID", "backoff.speed");
    HttpResponse<Buffer> deep = post("/api/jobs", new JsonObject().put("service", "s")
      .put("requirements", new JsonObject().put("hardware", "big")));
    assertThat(deep.statusCode()).isEqualTo(400);
    assertThat(deep.bodyAsJsonObject().getJsonObject("error").getString("field")).startsWith("requirements");
    assertError(postRaw("{\"service\": ", "application/json"), 400, "INVALID", "body");
    assertError(postRaw("[1, 2]", "application/json"), 400, "INVALID", "body");
    assertError(postRaw("", "application/json"), 400, "INVALID", "body");

    assertThat(namespaceKeys()).isEqualTo(before);
    assertThat(events()).isEqualTo(eventsBefore);
    assertThat(stats().getLong("queued")).isEqualTo(stats.getLong("queued"));
  }

  @Test
  @DisplayName("bad list parameters are 400 naming the parameter")
  void badListParameters() {
    assertError(get("/api/jobs?status=done"), 400, "INVALID", "status");
    assertError(get("/api/jobs?limit=0"), 400, "INVALID", "limit");
    assertError(get("/api/jobs?limit=501"), 400, "INVALID", "limit");
    assertError(get("/api/jobs?limit=ten"), 400, "INVALID", "limit");
    assertError(get("/api/jobs?cursor=yesterday"), 400, "INVALID", "cursor");
    assertError(get("/api/jobs?service=a%20b"), 400, "INVALID", "service");
  }

  @Test
  @DisplayName("a missing token is 401 with WWW-Authenticate, a wrong one 403, and neither writes anything")
  void authentication() {
    List<String> before = namespaceKeys();
    HttpResponse<Buffer> missing = await(http.post("/api/jobs").sendJsonObject(new JsonObject().put("service", "s")));
    assertError(missing, 401, "UNAUTHORIZED", null);
    assertThat(missing.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    HttpResponse<Buffer> basic = await(http.get("/api/jobs").putHeader("Authorization", "Basic dXNlcjpwdw==").send());
    assertError(basic, 401, "UNAUTHORIZED", null);
    HttpResponse<Buffer> wrong = await(http.post("/api/jobs").bearerTokenAuthentication("not-the-token")
      .sendJsonObject(new JsonObject().put("service", "s")));
    assertError(wrong, 403, "FORBIDDEN", null);
    HttpResponse<Buffer> query = await(http.get("/api/jobs?token=" + TOKEN).send());
    assertThat(query.statusCode()).as("query tokens only for SSE and WebSocket").isEqualTo(401);
    assertThat(namespaceKeys()).isEqualTo(before);
  }

  @Test
  @DisplayName("an unknown job is 404 NOT_FOUND for read, cancel, retry and events; an unknown route is 404 too")
  void notFound() {
    assertError(get("/api/jobs/" + UNKNOWN_ID), 404, "NOT_FOUND", "id");
    assertError(post("/api/jobs/" + UNKNOWN_ID + "/cancel"), 404, "NOT_FOUND", "id");
    assertError(post("/api/jobs/" + UNKNOWN_ID + "/retry"), 404, "NOT_FOUND", "id");
    assertError(get("/api/jobs/" + UNKNOWN_ID + "/events"), 404, "NOT_FOUND", "id");
    assertError(get("/api/jobs/not-a-job-id"), 404, "NOT_FOUND", "id");
    assertError(get("/api/nothing-here"), 404, "NOT_FOUND", null);
  }

  @Test
  @DisplayName("a wrong method on a known route is 405")
  void wrongMethod() {
    assertError(await(request(HttpMethod.PUT, "/api/jobs").sendJsonObject(new JsonObject())), 405,
      "METHOD_NOT_ALLOWED", null);
    assertError(await(request(HttpMethod.DELETE, "/api/jobs/" + UNKNOWN_ID).send()), 405, "METHOD_NOT_ALLOWED", null);
    assertError(await(request(HttpMethod.POST, "/api/stats").send()), 405, "METHOD_NOT_ALLOWED", null);
  }

  @Test
  @DisplayName("cancelling a completed job and retrying a queued one are 409 and change nothing")
  void conflicts() {
    String done = submit("s");
    registerWorker("m1-worker-0", "m1", "s");
    ClaimedJob c = claimOne("m1-worker-0");
    await(store.complete(done, "m1-worker-0", c.token(), "{\"ok\":true}"));
    JsonObject completed = job(done);
    assertError(post("/api/jobs/" + done + "/cancel"), 409, "ILLEGAL_STATE", "status");
    assertThat(job(done)).isEqualTo(completed);

    String queued = submit("s");
    JsonObject waiting = job(queued);
    assertError(post("/api/jobs/" + queued + "/retry"), 409, "ILLEGAL_STATE", "status");
    assertThat(job(queued)).isEqualTo(waiting);
  }

  @Test
  @DisplayName("a payload or a body over EMP_MAX_PAYLOAD_BYTES is 413 and writes nothing")
  void tooLarge() {
    List<String> before = namespaceKeys();
    JsonObject big = new JsonObject().put("service", "s").put("payload", new JsonObject().put("x", "a".repeat(PAYLOAD_LIMIT)));
    assertError(post("/api/jobs", big), 413, "PAYLOAD_TOO_LARGE", "payload");
    String huge = "{\"service\":\"s\",\"payload\":{\"x\":\"" + "b".repeat((int) (PAYLOAD_LIMIT + ApiConfig.ENVELOPE_BYTES)) + "\"}}";
    assertError(postRaw(huge, "application/json"), 413, "PAYLOAD_TOO_LARGE", "body");
    assertThat(namespaceKeys()).isEqualTo(before);
  }

  @Test
  @DisplayName("a body that is not application/json is 415 and writes nothing")
  void unsupportedMediaType() {
    List<String> before = namespaceKeys();
    assertError(postRaw("{\"service\":\"s\"}", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type");
    assertError(await(request(HttpMethod.POST, "/api/jobs").sendBuffer(Buffer.buffer("{\"service\":\"s\"}"))), 415,
      "UNSUPPORTED_MEDIA_TYPE", "Content-Type");
    assertThat(namespaceKeys()).isEqualTo(before);
  }

  private HttpResponse<Buffer> postRaw(String body, String contentType) {
    return await(request(HttpMethod.POST, "/api/jobs").putHeader("Content-Type", contentType)
      .sendBuffer(Buffer.buffer(body)));
  }

  private JsonObject stats() {
    return get("/api/stats").bodyAsJsonObject();
  }

  /** Every key of the test's namespace (KEYS is fine on a test server). */
  private List<String> namespaceKeys() {
    return await(redis.send(Request.cmd(Command.KEYS).arg(keys.prefix() + "*")))
      .stream().map(Object::toString).sorted().toList();
  }

  private long events() {
    return await(redis.send(Request.cmd(Command.XLEN).arg(keys.events()))).toLong();
  }

  static void assertError(HttpResponse<Buffer> r, int status, String code, String field) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.containsKey("field")).isTrue();
    assertThat(error.getString("field")).isEqualTo(field);
  }
}
