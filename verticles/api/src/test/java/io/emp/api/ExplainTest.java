package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ExplainTest extends ApiTestBase {

  private void register(String id, String machine, JsonObject caps) {
    await(store.registerWorker(id, machine, new WorkerCapabilities(caps), 1, null));
  }

  @Test
  @DisplayName("explain names the live workers that match and, for each other one, the first requirement it misses")
  void explainsWhoMatches() {
    register("big-worker-0", "big", new JsonObject().put("services", new JsonArray().add("comfyui"))
      .put("hardware", new JsonObject().put("gpu_memory_gb", 48)));
    register("small-worker-0", "small", new JsonObject().put("services", new JsonArray().add("comfyui"))
      .put("hardware", new JsonObject().put("gpu_memory_gb", 16)));
    register("llm-worker-0", "llm", new JsonObject().put("services", new JsonArray().add("ollama")));
    register("gone-worker-0", "gone", new JsonObject().put("services", new JsonArray().add("comfyui")));
    await(store.deregister("gone-worker-0"));
    String id = submit(new JsonObject().put("service", "comfyui").put("job_class", "xl-render")
      .put("requirements", new JsonObject().put("hardware", new JsonObject().put("gpu_memory_gb", 24))));

    HttpResponse<Buffer> r = get("/api/jobs/" + id + "/explain");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = r.bodyAsJsonObject();
    assertThat(e.getString("job")).isEqualTo(id);
    assertThat(e.getString("service")).isEqualTo("comfyui");
    assertThat(e.getString("pool")).isEmpty();
    assertThat(e.getString("class")).isEqualTo("xl-render");
    assertThat(e.getString("sig")).isNotBlank();
    JsonArray workers = e.getJsonArray("workers");
    assertThat(workers).extracting(w -> ((JsonObject) w).getString("id"))
      .as("workers that left are not candidates").containsExactly("big-worker-0", "llm-worker-0", "small-worker-0");
    JsonObject big = workers.getJsonObject(0);
    assertThat(big.getBoolean("match")).isTrue();
    assertThat(big.getString("reason")).isEmpty();
    assertThat(big.getString("machine")).isEqualTo("big");
    assertThat(big.getString("status")).isEqualTo("online");
    assertThat(workers.getJsonObject(1).getBoolean("match")).isFalse();
    assertThat(workers.getJsonObject(1).getString("reason")).contains("service").contains("comfyui");
    assertThat(workers.getJsonObject(2).getBoolean("match")).isFalse();
    assertThat(workers.getJsonObject(2).getString("reason")).contains("gpu_memory_gb");
  }

  @Test
  @DisplayName("explain of a job in a pool no worker serves says so; without any worker the list is empty")
  void poolAndEmptyFleet() {
    String lonely = submit(new JsonObject().put("service", "comfyui").put("pool", "heavy"));
    JsonObject none = get("/api/jobs/" + lonely + "/explain").bodyAsJsonObject();
    assertThat(none.getString("pool")).isEqualTo("heavy");
    assertThat(none.getJsonArray("workers")).isEmpty();

    register("fast-worker-0", "fast", new JsonObject().put("services", new JsonArray().add("comfyui")).put("pool", "fast"));
    JsonObject w = get("/api/jobs/" + lonely + "/explain").bodyAsJsonObject().getJsonArray("workers").getJsonObject(0);
    assertThat(w.getBoolean("match")).isFalse();
    assertThat(w.getString("reason")).startsWith("pool heavy");
  }

  @Test
  @DisplayName("explain of an unknown or malformed job id is 404 naming the id, like the other job routes")
  void unknownJob() {
    for (String id : new String[] {"01JGZ4Y1N6Q3W8K2V5T7R9M0AB", "not-a-ulid"}) {
      HttpResponse<Buffer> r = get("/api/jobs/" + id + "/explain");
      assertThat(r.statusCode()).isEqualTo(404);
      JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("NOT_FOUND");
      assertThat(error.getString("field")).isEqualTo("id");
    }
    assertThat(await(http.get("/api/jobs/01JGZ4Y1N6Q3W8K2V5T7R9M0AB/explain").send()).statusCode()).isEqualTo(401);
  }
}
