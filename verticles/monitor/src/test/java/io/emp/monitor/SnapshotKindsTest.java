package io.emp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.bus.Addresses;
import io.emp.core.model.JobSubmission;
import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The page's periodic fleet read and the routing requirements of the job details, over the bridge. */
class SnapshotKindsTest {
  private static final String T = MonitorFixture.TOKEN;
  private static MonitorFixture fx;

  @BeforeAll
  static void start() {
    fx = new MonitorFixture().start();
  }

  @AfterAll
  static void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  @Test
  @DisplayName("kind fleet: machines, workers with presence and stats as of a stream id, without jobs")
  void fleet() throws Exception {
    MonitorFixture.await(fx.store().registerWorker("fleet-w", "fleet-m", WorkerCapabilities.of("simulation"), 1, null));
    MonitorFixture.await(fx.machines().publishStatus("fleet-m", new JsonObject().put("machine_id", "fleet-m").put("pool", "fast"),
      "ready", true));
    MonitorFixture.await(fx.store().submit(JobSubmission.fromJson(new JsonObject().put("service", "nobody"), 1 << 20)));
    try (BridgeClient c = BridgeClient.connect(fx.vertx(), fx.monitorPort())) {
      JsonObject f = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "fleet"), T)).getJsonObject("body");
      assertThat(f.getString("event_id")).matches("\\d+-\\d+");
      assertThat(f.containsKey("jobs")).isFalse();
      assertThat(f.getJsonObject("stats").getJsonObject("statuses").getInteger("queued")).isGreaterThanOrEqualTo(1);
      JsonObject m = find(f.getJsonArray("machines"), "fleet-m");
      assertThat(m.getString("status")).isEqualTo("online");
      assertThat(m.getString("pool")).isEqualTo("fast");
      assertThat(m.getJsonArray("workers")).contains("fleet-w");
      assertThat(find(f.getJsonArray("workers"), "fleet-w").getString("status")).isEqualTo("online");
    }
  }

  @Test
  @DisplayName("kind job: the routing requirements come back in the document shape of docs/matching.md")
  void requirements() throws Exception {
    JsonObject req = new JsonObject()
      .put("hardware", new JsonObject().put("gpu_memory_gb", 16))
      .put("models", new JsonArray().add("sdxl"))
      .put("customer_isolation", "strict")
      .put("geographic_region", "eu")
      .put("timeout_minutes", 15)
      .put("positive_requirements", new JsonObject().put("gpu_arch", "ada"))
      .put("negative_requirements", new JsonObject().put("tier", "spot").put("hardware", new JsonObject().put("gpu_memory_gb", 48)));
    String id = MonitorFixture.await(fx.store().submit(JobSubmission.fromJson(new JsonObject().put("service", "comfyui")
      .put("requirements", req), 1 << 20))).id();
    String plain = MonitorFixture.await(fx.store().submit(JobSubmission.fromJson(new JsonObject().put("service", "comfyui"), 1 << 20))).id();
    try (BridgeClient c = BridgeClient.connect(fx.vertx(), fx.monitorPort())) {
      JsonObject d = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "job").put("id", id), T)).getJsonObject("body");
      assertThat(d.getJsonObject("requirements")).isEqualTo(new JsonObject()
        .put("hardware", new JsonObject().put("gpu_memory_gb", 16))
        .put("models", new JsonArray().add("sdxl"))
        .put("customer_isolation", "strict")
        .put("geographic_region", "eu")
        .put("gpu_arch", "ada")
        .put("negative_requirements", new JsonObject().put("tier", "spot").put("hardware", new JsonObject().put("gpu_memory_gb", 48))));
      JsonObject none = c.reply(c.send(Addresses.MONITOR_SNAPSHOT, new JsonObject().put("kind", "job").put("id", plain), T)).getJsonObject("body");
      assertThat(none.getJsonObject("requirements")).isEmpty();
    }
  }

  private static JsonObject find(JsonArray list, String id) {
    return list.stream().map(o -> (JsonObject) o).filter(o -> id.equals(o.getString("id"))).findFirst()
      .orElseThrow(() -> new AssertionError(id + " not in " + list.encode()));
  }
}
