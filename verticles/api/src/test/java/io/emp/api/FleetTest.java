package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FleetTest extends ApiTestBase {

  private void fleet() {
    registerWorker("m1-worker-0", "m1", "comfyui");
    registerWorker("m1-worker-1", "m1", "comfyui");
    await(store.registerWorker("m2-worker-0", "m2",
      new WorkerCapabilities(new JsonObject().put("services", new JsonArray().add("ollama")).put("pool", "fast")), 1, null));
  }

  @Test
  @DisplayName("/api/workers lists every worker with presence and held jobs as arrays")
  void workers() {
    fleet();
    String id = submit("comfyui");
    claimOne("m1-worker-0");
    JsonArray workers = get("/api/workers").bodyAsJsonObject().getJsonArray("workers");
    assertThat(workers).hasSize(3);
    JsonObject w0 = workers.getJsonObject(0);
    assertThat(w0.getString("id")).isEqualTo("m1-worker-0");
    assertThat(w0.getString("machine")).isEqualTo("m1");
    assertThat(w0.getString("status")).isEqualTo("online");
    assertThat(w0.getJsonArray("jobs")).containsExactly(id);
    assertThat(w0.getJsonArray("services")).containsExactly("comfyui");
    assertThat(workers.getJsonObject(1).getJsonArray("jobs")).isEmpty();
  }

  @Test
  @DisplayName("/api/machines groups workers by machine; a machine whose workers all left is left")
  void machines() {
    fleet();
    await(store.deregister("m2-worker-0"));
    JsonArray machines = get("/api/machines").bodyAsJsonObject().getJsonArray("machines");
    assertThat(machines).hasSize(2);
    JsonObject m1 = machines.getJsonObject(0);
    assertThat(m1.getString("id")).isEqualTo("m1");
    assertThat(m1.getString("status")).isEqualTo("online");
    assertThat(m1.getJsonArray("workers")).extracting(w -> ((JsonObject) w).getString("id"))
      .containsExactly("m1-worker-0", "m1-worker-1");
    assertThat(m1.getLong("last_seen")).isPositive();
    JsonObject m2 = machines.getJsonObject(1);
    assertThat(m2.getString("id")).isEqualTo("m2");
    assertThat(m2.getString("status")).isEqualTo("left");
  }

  @Test
  @DisplayName("/api/stats rolls up depth per service and pool, running jobs, totals and unrunnable jobs")
  void stats() {
    fleet();
    String running = submit("comfyui");
    submit("comfyui");
    submit(new JsonObject().put("service", "ollama").put("pool", "fast"));
    submit("nobody-runs-this");
    ClaimedJob c = claimOne("m1-worker-0");
    assertThat(c.id()).isEqualTo(running);
    await(store.progress(running, "m1-worker-0", c.token(), 5, null));
    String cancelled = submit("comfyui");
    post("/api/jobs/" + cancelled + "/cancel");

    JsonObject s = get("/api/stats").bodyAsJsonObject();
    assertThat(s.getLong("queued")).isEqualTo(3);
    assertThat(s.getLong("running")).isEqualTo(1);
    assertThat(s.getLong("cancelled")).isEqualTo(1);
    assertThat(s.getLong("completed")).isZero();
    assertThat(s.getLong("unrunnable_jobs")).isEqualTo(1);
    assertThat(s.getLong("oldest_waiting_ms")).isNotNegative();
    assertThat(s.getJsonObject("totals").getLong("submitted")).isEqualTo(5);
    assertThat(s.getJsonObject("totals").getLong("cancelled")).isEqualTo(1);

    JsonObject services = s.getJsonObject("services");
    assertThat(services.getJsonObject("comfyui").getLong("depth")).isEqualTo(1);
    assertThat(services.getJsonObject("comfyui").getLong("unrunnable")).isZero();
    assertThat(services.getJsonObject("ollama").getLong("depth")).isEqualTo(1);
    assertThat(services.getJsonObject("nobody-runs-this").getLong("unrunnable")).isEqualTo(1);
    JsonObject pools = s.getJsonObject("pools");
    assertThat(pools.getJsonObject(StatsRollup.NO_POOL).getLong("depth")).isEqualTo(2);
    assertThat(pools.getJsonObject("fast").getLong("depth")).isEqualTo(1);
    assertThat(s.getJsonArray("queues")).hasSize(3);
    assertThat(s.getJsonObject("workers").getLong("online")).isEqualTo(3);

    // the north star: the claim above was an own-pool (no pool) assignment, waits recorded per pool
    JsonObject north = s.getJsonObject("north_star");
    assertThat(north.getJsonObject("pools").getJsonObject("none").getLong("routed_own")).isEqualTo(1);
    assertThat(north.getJsonObject("pools").getJsonObject("none").getLong("wait_p50_ms")).isNotNull();
    assertThat(north.getValue("own_pool_share")).as("no pooled job was assigned yet").isNull();
    await(store.complete(running, "m1-worker-0", c.token(), "{}"));
    JsonObject durations = get("/api/stats").bodyAsJsonObject().getJsonObject("durations");
    assertThat(durations.getJsonObject("comfyui::").getInteger("n")).isEqualTo(1);
  }

  @Test
  @DisplayName("/api/stats of an empty namespace has empty lists and zero counts")
  void emptyStats() {
    JsonObject s = get("/api/stats").bodyAsJsonObject();
    assertThat(s.getJsonArray("queues")).isEmpty();
    assertThat(s.getLong("queued")).isZero();
    assertThat(s.getJsonObject("services")).isEmpty();
    assertThat(get("/api/workers").bodyAsJsonObject().getJsonArray("workers")).isEmpty();
    assertThat(get("/api/machines").bodyAsJsonObject().getJsonArray("machines")).isEmpty();
  }
}
