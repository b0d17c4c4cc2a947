package io.emp.supervisor.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.JobSubmission;
import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The disk budget: eviction by value (forecast demand × size, then last use), never a model a held
 * job requires — set up through the real functions: a worker of this machine claims a job that
 * requires the model.
 */
class ModelEvictionTest extends ModelsTestBase {
  private static final long HOUR = 3_600_000L;

  /** A worker of this machine holds a job requiring {@code model}; returns the job id. */
  private String holdJobRequiring(String model) {
    JsonObject caps = new JsonObject().put("services", new JsonArray().add("comfyui"))
      .put("models", new JsonArray().add(model));
    await(store.registerWorker(MACHINE + "-worker-0", MACHINE, new WorkerCapabilities(caps), 1, null));
    String id = submit(model);
    assertThat(await(store.claim(MACHINE + "-worker-0", 1, false))).hasSize(1);
    return id;
  }

  private String submit(String model) {
    return await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "comfyui")
      .put("requirements", new JsonObject().put("models", new JsonArray().add(model)))
      .put("payload", new JsonObject()), 1 << 20))).id();
  }

  private List<String> inventoryNames() {
    JsonObject doc = await(store.models(1)).getJsonObject("machines").getJsonObject(MACHINE).getJsonObject("inventory");
    return doc.getJsonArray("models").stream().map(o -> ((JsonObject) o).getString("name")).toList();
  }

  @Test
  @DisplayName("over budget, the least valuable model goes — not the least recently used one, never the one in use")
  void evictsLeastValuableNeverInUse() throws Exception {
    onDisk("held", 1_000, 48 * HOUR);  // least recently used of all, no demand: but a running job needs it
    onDisk("hot", 1_000, 24 * HOUR);   // older than "cold", but jobs keep asking for it
    onDisk("cold", 1_000, 60_000);     // used a minute ago, no demand
    model("new", 1_000);
    env.put("EMP_MODELS_BUDGET_BYTES", "3000");
    holdJobRequiring("held");
    for (int i = 0; i < 5; i++) {
      submit("hot");
    }
    startManager();
    assertThat(inventoryNames()).containsExactly("cold", "held", "hot");
    assertThat(holders("cold")).containsExactly(MACHINE);

    ModelOutcome o = prefetch("new");

    assertThat(o.ok()).as(o.result().encode()).isTrue();
    assertThat(o.result().getJsonArray("evicted")).containsExactly("cold");
    assertThat(installed("cold")).doesNotExist();
    assertThat(installed("held")).exists();
    assertThat(installed("hot")).exists();
    assertThat(installed("new")).exists();
    assertThat(inventoryNames()).containsExactly("held", "hot", "new");
    assertThat(holders("cold")).isEmpty();
    assertThat(events("machine.model_evicted")).singleElement()
      .satisfies(e -> assertThat(e.fields()).containsEntry("model", "cold").containsEntry("reason", "making room for new"));
    JsonObject held = on(() -> io.vertx.core.Future.succeededFuture(manager.inventory())).getJsonArray("models")
      .stream().map(JsonObject.class::cast).filter(m -> m.getString("name").equals("held")).findFirst().orElseThrow();
    assertThat(held.getInteger("in_use")).isEqualTo(1);
    assertThat(held.getLong("last_used")).isGreaterThan(System.currentTimeMillis() - 60_000);
  }

  @Test
  @DisplayName("a prefetch is refused when only models in use could make room; nothing is evicted or downloaded")
  void refusedWhenBudgetCannotBeMet() throws Exception {
    onDisk("held", 1_000, HOUR);
    model("big", 1_500);
    model("huge", 5_000);
    env.put("EMP_MODELS_BUDGET_BYTES", "2000");
    holdJobRequiring("held");
    startManager();

    ModelOutcome o = prefetch("big");

    assertThat(o.ok()).isFalse();
    assertThat(o.result().getString("outcome")).isEqualTo("refused");
    assertThat(o.result().getString("error")).contains("no room for big").contains("in use: [held]");
    assertThat(prefetch("huge").result().getString("error"))
      .isEqualTo("model huge has 5000 bytes, more than this machine's model budget of 2000 bytes");
    assertThat(installed("held")).exists();
    assertThat(server.requests).isEmpty();
    assertThat(events("machine.model_evicted")).isEmpty();
  }

  @Test
  @DisplayName("evict_model deletes a model not in use, refuses one in use with the reason, and reports an absent one")
  void evictCommand() throws Exception {
    onDisk("held", 1_000, HOUR);
    onDisk("spare", 2_000, HOUR);
    holdJobRequiring("held");
    startManager();
    assertThat(holders("spare")).containsExactly(MACHINE);

    ModelOutcome refused = evict("held");
    ModelOutcome evicted = evict("spare");
    ModelOutcome absent = evict("spare");

    assertThat(refused.ok()).isFalse();
    assertThat(refused.result().getString("error"))
      .isEqualTo("model held is in use by 1 job(s) held by this machine's workers");
    assertThat(evicted.result()).isEqualTo(new JsonObject().put("model", "spare").put("outcome", "evicted").put("bytes", 2000));
    assertThat(absent.ok()).isTrue();
    assertThat(absent.result().getString("outcome")).isEqualTo("absent");
    assertThat(installed("held")).exists();
    assertThat(installed("spare")).doesNotExist();
    assertThat(holders("spare")).isEmpty();
    assertThat(holders("held")).containsExactly(MACHINE);
    assertThat(inventoryNames()).containsExactly("held");
  }
}
