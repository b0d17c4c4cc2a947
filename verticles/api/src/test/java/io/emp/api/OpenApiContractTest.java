package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Keeps {@code openapi.yaml} true: the routes the router serves and the operations the document
 * describes are the same set; every example validates against its schema; the example requests work
 * against the running api; and real responses, success and error, conform to the documented schemas.
 */
class OpenApiContractTest extends ApiTestBase {
  private static final List<String> METHODS = List.of("get", "post", "put", "delete", "patch", "options", "head");
  private JsonObject doc;
  private SchemaValidator schemas;

  @BeforeEach
  void loadDocument() throws IOException {
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(OpsRoutes.OPENAPI_RESOURCE)) {
      Map<String, Object> yaml = new Yaml().load(in);
      doc = new JsonObject(Json.encode(yaml));
    }
    schemas = new SchemaValidator(doc);
  }

  @Test
  @DisplayName("every route the router serves is in the OpenAPI document, and every documented operation is served")
  void routesMatchDocument() {
    Set<String> served = new TreeSet<>();
    for (Route r : api.router().getRoutes()) {
      if (r.getPath() != null && r.methods() != null) {
        r.methods().forEach(m -> served.add(m.name() + " " + r.getPath().replaceAll(":(\\w+)", "{$1}")));
      }
    }
    Set<String> documented = new TreeSet<>();
    doc.getJsonObject("paths").forEach(p -> ((JsonObject) p.getValue()).fieldNames().stream()
      .filter(METHODS::contains)
      .forEach(m -> documented.add(m.toUpperCase() + " " + p.getKey())));
    assertThat(served).isNotEmpty().isEqualTo(documented);
  }

  @Test
  @DisplayName("every protected operation documents 401 and 403, every job operation 404")
  void errorsDocumented() {
    forEachOperation((path, method, op) -> {
      boolean isPublic = op.containsKey("security") && op.getJsonArray("security").isEmpty();
      Set<String> codes = op.getJsonObject("responses").fieldNames();
      if (!isPublic) {
        assertThat(codes).as(method + " " + path).contains("401", "403");
      }
      if (path.contains("{id}")) {
        assertThat(codes).as(method + " " + path).contains("404");
      }
    });
  }

  @Test
  @DisplayName("every schema uses only keywords the check understands, and every example validates")
  void examplesValidate() {
    doc.getJsonObject("components").getJsonObject("schemas")
      .forEach(e -> schemas.lint((JsonObject) e.getValue(), e.getKey()));
    List<String> errors = new ArrayList<>();
    forEachOperation((path, method, op) -> {
      JsonObject body = op.getJsonObject("requestBody");
      if (body != null) {
        JsonObject media = body.getJsonObject("content").getJsonObject("application/json");
        examples(media).forEach(ex -> errors.addAll(prefixed(method + " " + path + " request",
          schemas.validate(ex, media.getJsonObject("schema")))));
      }
      op.getJsonObject("responses").forEach(r -> {
        JsonObject media = json(schemas.resolve((JsonObject) r.getValue()));
        if (media != null) {
          examples(media).forEach(ex -> errors.addAll(prefixed(method + " " + path + " " + r.getKey(),
            schemas.validate(ex, media.getJsonObject("schema")))));
        }
      });
    });
    doc.getJsonObject("components").getJsonObject("schemas").forEach(e -> {
      JsonObject s = (JsonObject) e.getValue();
      if (s.containsKey("example") && "object".equals(s.getString("type"))) {
        errors.addAll(prefixed(e.getKey(), schemas.validate(s.getValue("example"), s)));
      }
    });
    assertThat(errors).isEmpty();
  }

  @Test
  @DisplayName("the documented example requests are accepted by the api, and their responses conform")
  void exampleRequestsWork() {
    JsonObject op = operation("/api/jobs", "post");
    List<Object> examples = examples(op.getJsonObject("requestBody").getJsonObject("content")
      .getJsonObject("application/json"));
    assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
    for (Object ex : examples) {
      HttpResponse<Buffer> r = post("/api/jobs", (JsonObject) ex);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
      assertConforms("/api/jobs", "post", r);
    }
  }

  @Test
  @DisplayName("real responses of every JSON endpoint, success and error, conform to the documented schemas")
  void responsesConform() {
    registerWorker("m1-worker-0", "m1", "simulation");
    String id = submit(new JsonObject().put("service", "simulation").put("payload", new JsonObject().put("n", 1))
      .put("customer_id", "acme").put("workflow_id", "wf").put("step_number", 1).put("timeout_s", 30));
    ClaimedJob c = claimOne("m1-worker-0");
    await(store.progress(id, "m1-worker-0", c.token(), 50, "rendering"));
    assertConforms("/api/jobs/{id}", "get", get("/api/jobs/" + id));
    await(store.complete(id, "m1-worker-0", c.token(), "{\"images\":[\"a.png\"]}"));
    String failed = submit(new JsonObject().put("service", "simulation").put("max_attempts", 1));
    ClaimedJob f = claimOne("m1-worker-0");
    await(store.fail(failed, "m1-worker-0", f.token(), "boom", true));
    submit(new JsonObject().put("service", "other").put("pool", "fast").put("delay_ms", 60_000));
    submit("queued-one");

    assertConforms("/api/jobs/{id}", "get", get("/api/jobs/" + id));
    assertConforms("/api/jobs/{id}", "get", get("/api/jobs/" + failed));
    assertConforms("/api/jobs", "get", get("/api/jobs?limit=2"));
    assertConforms("/api/jobs/{id}/retry", "post", post("/api/jobs/" + failed + "/retry"));
    assertConforms("/api/jobs/{id}/cancel", "post", post("/api/jobs/" + failed + "/cancel"));
    assertConforms("/api/jobs/{id}/explain", "get", get("/api/jobs/" + id + "/explain"));
    assertConforms("/api/jobs/{id}/explain", "get", get("/api/jobs/01JGZ4Y1N6Q3W8K2V5T7R9M0AB/explain"));
    assertConforms("/api/workers", "get", get("/api/workers"));
    assertConforms("/api/machines", "get", get("/api/machines"));
    assertConforms("/api/stats", "get", get("/api/stats"));
    assertConforms("/health", "get", await(http.get("/health").send()));
    assertConforms("/ready", "get", await(http.get("/ready").send()));

    assertConforms("/api/jobs", "post", post("/api/jobs", new JsonObject().put("service", "s").put("priority", "75")));
    assertConforms("/api/jobs", "post", await(http.post("/api/jobs").sendJsonObject(new JsonObject())));
    assertConforms("/api/jobs", "post", await(http.post("/api/jobs").bearerTokenAuthentication("x").send()));
    assertConforms("/api/jobs", "post", await(request(HttpMethod.POST, "/api/jobs")
      .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("hi"))));
    assertConforms("/api/jobs", "get", get("/api/jobs?status=nope"));
    assertConforms("/api/jobs/{id}", "get", get("/api/jobs/01JGZ4Y1N6Q3W8K2V5T7R9M0AB"));
    assertConforms("/api/jobs/{id}/cancel", "post", post("/api/jobs/" + id + "/cancel"));
  }

  private void assertConforms(String path, String method, HttpResponse<Buffer> r) {
    JsonObject responses = operation(path, method).getJsonObject("responses");
    String status = String.valueOf(r.statusCode());
    assertThat(responses.fieldNames()).as(method + " " + path + " documents " + status).contains(status);
    JsonObject media = json(schemas.resolve(responses.getJsonObject(status)));
    assertThat(media).as(method + " " + path + " " + status + " has a JSON schema").isNotNull();
    assertThat(schemas.validate(Json.decodeValue(r.bodyAsString()), media.getJsonObject("schema")))
      .as(method + " " + path + " " + status + ": " + r.bodyAsString())
      .isEmpty();
  }

  private JsonObject operation(String path, String method) {
    return doc.getJsonObject("paths").getJsonObject(path).getJsonObject(method);
  }

  private static JsonObject json(JsonObject response) {
    JsonObject content = response.getJsonObject("content");
    return content == null ? null : content.getJsonObject("application/json");
  }

  private static List<Object> examples(JsonObject media) {
    List<Object> out = new ArrayList<>();
    if (media.containsKey("example")) {
      out.add(media.getValue("example"));
    }
    media.getJsonObject("examples", new JsonObject()).forEach(e -> out.add(((JsonObject) e.getValue()).getValue("value")));
    return out;
  }

  private static List<String> prefixed(String where, List<String> errors) {
    return errors.stream().map(e -> where + ": " + e).toList();
  }

  private interface OperationVisitor {
    void visit(String path, String method, JsonObject operation);
  }

  private void forEachOperation(OperationVisitor visitor) {
    doc.getJsonObject("paths").forEach(p -> {
      JsonObject item = (JsonObject) p.getValue();
      item.fieldNames().stream().filter(METHODS::contains)
        .forEach(m -> visitor.visit(p.getKey(), m, item.getJsonObject(m)));
    });
  }
}
