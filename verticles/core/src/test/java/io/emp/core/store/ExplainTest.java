package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** emp_explain: which live workers could run a job, and the first rule each of the others fails. */
class ExplainTest extends StoreTestBase {

  private static Map<String, JsonObject> byWorker(JsonObject explained) {
    Map<String, JsonObject> out = new HashMap<>();
    JsonArray ws = explained.getJsonArray("workers");
    for (int i = 0; i < ws.size(); i++) {
      out.put(ws.getJsonObject(i).getString("id"), ws.getJsonObject(i));
    }
    return out;
  }

  @Test
  @DisplayName("each worker is reported with match or the first rule it fails")
  void reasons() {
    register("ok", new JsonObject("{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":24},\"models\":[\"sdxl\"]}"));
    register("small", new JsonObject("{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":8},\"models\":[\"sdxl\"]}"));
    register("nomodel", new JsonObject("{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":24}}"));
    register("llm", new JsonObject("{\"services\":[\"ollama\"]}"));
    register("denies", new JsonObject("{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":24},\"models\":[\"sdxl\"],"
      + "\"customer_access\":{\"denied_customers\":[\"acme\"]}}"));
    register("gone", caps("comfyui"));
    await(store.deregister("gone"));
    String id = submit(new JsonObject().put("service", "comfyui").put("customer_id", "acme")
      .put("requirements", new JsonObject("{\"hardware\":{\"gpu_memory_gb\":16},\"models\":[\"sdxl\"]}"))).id();

    JsonObject e = await(store.explain(id));
    assertThat(e.getString("job")).isEqualTo(id);
    assertThat(e.getString("service")).isEqualTo("comfyui");
    Map<String, JsonObject> w = byWorker(e);
    assertThat(w).containsOnlyKeys("ok", "small", "nomodel", "llm", "denies");
    assertThat(w.get("ok").getBoolean("match")).isTrue();
    assertThat(w.get("ok").getString("reason")).isEmpty();
    assertThat(w.get("ok").getString("status")).isEqualTo("online");
    assertThat(w.get("small").getBoolean("match")).isFalse();
    assertThat(w.get("small").getString("reason")).contains("gpu_memory_gb");
    assertThat(w.get("nomodel").getString("reason")).contains("models missing").contains("sdxl");
    assertThat(w.get("llm").getString("reason")).contains("service comfyui not offered");
    assertThat(w.get("denies").getString("reason")).contains("denied_customers");

    // the explanation agrees with the claim path: only "ok" can take it
    for (String other : new String[] {"small", "nomodel", "llm", "denies"}) {
      assertThat(claim(other, 1)).as(other).isEmpty();
    }
    assertThat(claimOne("ok").id()).isEqualTo(id);
  }

  @Test
  @DisplayName("pool and workflow restrictions are named")
  void poolAndWorkflow() {
    register("heavy", new JsonObject("{\"services\":[\"llm\"],\"pool\":\"heavy\"}"));
    register("pinned", new JsonObject("{\"services\":[\"llm\"],\"pool\":\"fast\",\"workflow_id\":\"wf-9\"}"));
    String id = submit(new JsonObject().put("service", "llm").put("pool", "fast")).id();
    Map<String, JsonObject> w = byWorker(await(store.explain(id)));
    assertThat(w.get("heavy").getString("reason")).startsWith("pool fast");
    assertThat(w.get("pinned").getString("reason")).isEqualTo("restricted to workflow wf-9");
  }

  @Test
  @DisplayName("an unknown job is NOT_FOUND naming the job")
  void unknown() {
    BrokerException e = refused(store.explain("01NOPE"), BrokerError.NOT_FOUND);
    assertThat(e.field()).isEqualTo("job");
  }
}
