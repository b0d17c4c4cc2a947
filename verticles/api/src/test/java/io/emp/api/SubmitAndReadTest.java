package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SubmitAndReadTest extends ApiTestBase {

  @Test
  @DisplayName("a submitted job answers 201 with its id, status and Location, and reads back with every field")
  void submitAndRead() {
    JsonObject body = new JsonObject()
      .put("service", "comfyui")
      .put("payload", new JsonObject().put("prompt", "a cat").put("steps", 20))
      .put("priority", 75)
      .put("requirements", new JsonObject().put("hardware", new JsonObject().put("gpu_memory_gb", 16)))
      .put("customer_id", "acme")
      .put("workflow_id", "wf-1")
      .put("workflow_priority", 80)
      .put("workflow_datetime", 1_735_689_600_000L)
      .put("step_number", 2)
      .put("max_attempts", 5)
      .put("timeout_s", 600);
    HttpResponse<Buffer> r = post("/api/jobs", body);

    assertThat(r.statusCode()).isEqualTo(201);
    JsonObject reply = r.bodyAsJsonObject();
    String id = reply.getString("id");
    assertThat(id).matches("[0-9A-HJKMNP-TV-Z]{26}");
    assertThat(reply.getString("status")).isEqualTo("queued");
    assertThat(r.getHeader("Location")).isEqualTo("/api/jobs/" + id);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");

    JsonObject job = job(id);
    assertThat(job.getString("id")).isEqualTo(id);
    assertThat(job.getString("status")).isEqualTo("queued");
    assertThat(job.getString("service")).isEqualTo("comfyui");
    assertThat(job.getInteger("priority")).isEqualTo(75);
    assertThat(job.getString("customer_id")).isEqualTo("acme");
    assertThat(job.getString("workflow_id")).isEqualTo("wf-1");
    assertThat(job.getInteger("workflow_priority")).isEqualTo(80);
    assertThat(job.getLong("workflow_datetime")).isEqualTo(1_735_689_600_000L);
    assertThat(job.getInteger("step_number")).isEqualTo(2);
    assertThat(job.getInteger("max_attempts")).isEqualTo(5);
    assertThat(job.getInteger("attempt")).isEqualTo(1);
    assertThat(job.getDouble("timeout_s")).isEqualTo(600.0);
    assertThat(job.getJsonObject("payload")).isEqualTo(body.getJsonObject("payload"));
    assertThat(job.getLong("submitted_at")).isPositive();
  }

  @Test
  @DisplayName("a job with delay_ms is delayed")
  void delayed() {
    HttpResponse<Buffer> r = post("/api/jobs", new JsonObject().put("service", "s").put("delay_ms", 60_000));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("delayed");
    assertThat(job(r.bodyAsJsonObject().getString("id")).getLong("delayed_until")).isPositive();
  }

  @Test
  @DisplayName("a repeated idempotency key answers 200 with the first job's id and current status, creating nothing")
  void idempotency() {
    JsonObject body = new JsonObject().put("service", "s").put("idempotency_key", "order-42");
    HttpResponse<Buffer> first = post("/api/jobs", body);
    assertThat(first.statusCode()).isEqualTo(201);
    String id = first.bodyAsJsonObject().getString("id");
    post("/api/jobs/" + id + "/cancel");

    HttpResponse<Buffer> again = post("/api/jobs", body);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(id);
    assertThat(again.bodyAsJsonObject().getString("status")).isEqualTo("cancelled");
    assertThat(get("/api/jobs").bodyAsJsonObject().getJsonArray("jobs")).hasSize(1);
  }

  @Test
  @DisplayName("a submit with a charset parameter on the JSON media type is accepted")
  void charsetParameter() {
    HttpResponse<Buffer> r = await(request(io.vertx.core.http.HttpMethod.POST, "/api/jobs")
      .putHeader("Content-Type", "application/json; charset=utf-8")
      .sendBuffer(Buffer.buffer("{\"service\":\"s\"}")));
    assertThat(r.statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("the job list pages newest first with a cursor, and filters by status and service")
  void listPaging() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(submit(i % 2 == 0 ? "even" : "odd"));
    }
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);

    JsonObject page1 = get("/api/jobs?limit=2").bodyAsJsonObject();
    assertThat(idsOf(page1)).containsExactlyElementsOf(newestFirst.subList(0, 2));
    String cursor = page1.getString("next_cursor");
    assertThat(cursor).isNotNull();
    JsonObject page2 = get("/api/jobs?limit=2&cursor=" + cursor).bodyAsJsonObject();
    assertThat(idsOf(page2)).containsExactlyElementsOf(newestFirst.subList(2, 4));
    JsonObject page3 = get("/api/jobs?limit=2&cursor=" + page2.getString("next_cursor")).bodyAsJsonObject();
    assertThat(idsOf(page3)).containsExactly(newestFirst.get(4));
    assertThat(page3.getValue("next_cursor")).isNull();
    assertThat(page3.containsKey("next_cursor")).isTrue();

    assertThat(idsOf(get("/api/jobs?service=even").bodyAsJsonObject()))
      .containsExactly(ids.get(4), ids.get(2), ids.get(0));
    post("/api/jobs/" + ids.get(1) + "/cancel");
    assertThat(idsOf(get("/api/jobs?status=cancelled").bodyAsJsonObject())).containsExactly(ids.get(1));
    assertThat(get("/api/jobs?status=queued").bodyAsJsonObject().getJsonArray("jobs")).hasSize(4);
  }

  @Test
  @DisplayName("list items carry the job fields but not the payload")
  void listWithoutPayload() {
    submit(new JsonObject().put("service", "s").put("payload", new JsonObject().put("big", "x")));
    JsonObject item = get("/api/jobs").bodyAsJsonObject().getJsonArray("jobs").getJsonObject(0);
    assertThat(item.getString("service")).isEqualTo("s");
    assertThat(item.containsKey("payload")).isFalse();
  }

  private static List<String> idsOf(JsonObject page) {
    JsonArray jobs = page.getJsonArray("jobs");
    List<String> out = new ArrayList<>();
    jobs.forEach(j -> out.add(((JsonObject) j).getString("id")));
    return out;
  }
}
