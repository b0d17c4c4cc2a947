package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.events.BrokerEvent;
import io.emp.core.model.ClaimedJob;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Model affinity and the machine model inventory (docs/pools-and-models.md §3, §4). */
class AffinityTest extends StoreTestBase {
  private static final JsonObject NEEDS_SDXL = new JsonObject().put("service", "comfyui")
    .put("requirements", new JsonObject("{\"models\":[\"sdxl\"]}"));

  private MachineRegistry registry() {
    return new MachineRegistry(redis, keys);
  }

  private void registerOn(String id, String machine, JsonObject caps, int slots) {
    await(store.registerWorker(id, machine, new io.emp.core.model.WorkerCapabilities(caps), slots, null));
  }

  private static JsonObject downloader(String... models) {
    JsonObject c = new JsonObject("{\"services\":[\"comfyui\"],\"model_downloads\":true}");
    if (models.length > 0) {
      c.put("models", new io.vertx.core.json.JsonArray(List.of((Object[]) models)));
    }
    return c;
  }

  private List<BrokerEvent> assigned() {
    return cmd("XRANGE", keys.events(), "-", "+").stream().map(BrokerEvent::fromEntry)
      .filter(e -> e.type().equals("job.assigned")).toList();
  }

  @Test
  @DisplayName("the warm worker gets the job; a cold one waits while a warm worker is live")
  void warmFirst() {
    registerOn("warm", "m-warm", downloader("sdxl"), 1);
    registerOn("cold", "m-cold", downloader(), 1);
    String id = submit(NEEDS_SDXL).id();
    assertThat(claim("cold", 1)).isEmpty();
    assertThat(claimOne("warm").id()).isEqualTo(id);
    assertThat(assigned().get(0).fields()).containsEntry("models", "warm");
    assertThat(await(store.stats()).getJsonObject("counters").getInteger("models_warm")).isEqualTo(1);
  }

  @Test
  @DisplayName("a cold worker gets the job after affinity_wait_ms when the warm one stays busy")
  void coldAfterWait() {
    // 200 MB at 100 MB/s: a 2 s wait, so only a stall of 2 s between the submit and the early claim could
    // flip it; the late claim sleeps 2.5 s after the early one, so it is past the wait whatever stalled
    configure(Map.of("model_default_bytes", 200_000_000, "download_bps", 100_000_000));
    registerOn("warm", "m-warm", downloader("sdxl"), 1);
    registerOn("cold", "m-cold", downloader(), 1);
    submit(NEEDS_SDXL);
    claimOne("warm"); // busy now
    String second = submit(NEEDS_SDXL).id();
    assertThat(claim("cold", 1)).as("cold claim right after the submit").isEmpty();
    sleep(2_500);
    ClaimedJob c = claimOne("cold");
    assertThat(c.id()).isEqualTo(second);
    assertThat(assigned().get(1).fields()).containsEntry("models", "cold");
  }

  @Test
  @DisplayName("with no live warm worker a cold worker takes the job at once; the cap bounds the wait")
  void noWarmWorker() {
    registerOn("cold", "m-cold", downloader(), 1);
    String id = submit(NEEDS_SDXL).id();
    assertThat(claimOne("cold").id()).isEqualTo(id);

    configure(Map.of("affinity_cap_ms", 0)); // affinity off: cold workers never wait
    registerOn("warm", "m-warm", downloader("sdxl"), 1);
    registerOn("cold2", "m-cold", downloader(), 1);
    String next = submit(NEEDS_SDXL).id();
    assertThat(claimOne("cold2").id()).isEqualTo(next);
  }

  @Test
  @DisplayName("a worker prefers a job it is warm for over a cold one older by less than the cold one's download time")
  void warmBeforeSlightlyOlderCold() {
    // 200 MB at 100 MB/s: the sdxl job counts 2 s later for a worker that would download it
    configure(Map.of("model_default_bytes", 200_000_000, "download_bps", 100_000_000));
    registerOn("w", "m-w", downloader("flux"), 2); // warm for flux, cold for sdxl (no one is warm for it)
    String cold = submit(NEEDS_SDXL).id();
    sleep(50);
    String warm = submit(needs("flux")).id();
    List<ClaimedJob> got = claim("w", 2);
    assertThat(got).extracting(ClaimedJob::id).containsExactly(warm, cold);
    assertThat(assigned()).extracting(e -> e.fields().get("models")).containsExactly("warm", "cold");
  }

  @Test
  @DisplayName("a cold job older than its download time goes first: no starvation")
  void coldOlderThanItsDownloadFirst() {
    // 10 MB at 100 MB/s: a 100 ms download; the cold job waited 400 ms longer than the warm one
    configure(Map.of("model_default_bytes", 10_000_000, "download_bps", 100_000_000));
    registerOn("w", "m-w", downloader("flux"), 1);
    String cold = submit(NEEDS_SDXL).id();
    sleep(400);
    submit(needs("flux"));
    assertThat(claimOne("w").id()).isEqualTo(cold);
  }

  @Test
  @DisplayName("with affinity off (affinity_cap_ms 0) the order is plain FIFO")
  void affinityOffIsFifo() {
    configure(Map.of("affinity_cap_ms", 0, "model_default_bytes", 200_000_000, "download_bps", 100_000_000));
    registerOn("w", "m-w", downloader("flux"), 2);
    String cold = submit(NEEDS_SDXL).id();
    sleep(50);
    String warm = submit(needs("flux")).id();
    assertThat(claim("w", 2)).extracting(ClaimedJob::id).containsExactly(cold, warm);
  }

  private static JsonObject needs(String model) {
    return new JsonObject().put("service", "comfyui").put("requirements", new JsonObject().put("models",
      new io.vertx.core.json.JsonArray().add(model)));
  }

  @Test
  @DisplayName("a machine's inventory makes its workers warm; the catalog size sets the wait")
  void inventory() {
    registerOn("warm", "m-warm", downloader("sdxl"), 1);
    registerOn("w2", "m2", downloader(), 1);
    int[] changed = await(registry().publishModels("m2", new JsonObject(
      "{\"models\":[{\"name\":\"sdxl\",\"bytes\":6938078334,\"sha256\":\"ab\"}],\"disk\":{\"budget_bytes\":1e11,\"used_bytes\":6938078334}}")));
    assertThat(changed).containsExactly(1, 0);
    String id = submit(NEEDS_SDXL).id();
    assertThat(claimOne("w2").id()).as("warm by inventory").isEqualTo(id);
    assertThat(cmd("HGET", keys.prefix() + "models", "sdxl").toString()).isEqualTo("6938078334");

    JsonObject models = await(store.models(2));
    assertThat(models.getJsonObject("catalog").getLong("sdxl")).isEqualTo(6938078334L);
    JsonObject demand = models.getJsonObject("demand");
    assertThat(demand.size()).isEqualTo(1);
    assertThat(demand.getJsonObject(demand.fieldNames().iterator().next()).getJsonObject("sdxl").getInteger("none")).isEqualTo(1);

    // the model leaves the disk: the machine is cold again, and the change is an event
    assertThat(await(registry().publishModels("m2", new JsonObject("{\"models\":[]}")))).containsExactly(0, 1);
    List<BrokerEvent> ev = cmd("XRANGE", keys.events(), "-", "+").stream().map(BrokerEvent::fromEntry)
      .filter(e -> e.type().equals("machine.models")).toList();
    assertThat(ev).hasSize(2);
    assertThat(ev.get(1).fields()).containsEntry("removed", "sdxl");
    assertThat(cmd("SISMEMBER", keys.prefix() + "modelm:sdxl", "m2").toLong()).isZero();
  }

  @Test
  @DisplayName("an invalid inventory is refused naming the field; a worker without model_downloads keeps models hard")
  void invalid() {
    BrokerException e = refused(registry().publishModels("m1", new JsonObject("{\"models\":[{\"name\":\"a b\"}]}")),
      BrokerError.INVALID);
    assertThat(e.field()).isEqualTo("inventory.models[0].name");
    BrokerException caps = refused(store.registerWorker("w", "m", new io.emp.core.model.WorkerCapabilities(
      new JsonObject("{\"services\":[\"s\"],\"model_downloads\":\"yes\"}")), 1, null), BrokerError.INVALID);
    assertThat(caps.field()).isEqualTo("capabilities.model_downloads");
    assertThat(namespaceKeys()).isEmpty();

    register("fixed", new JsonObject("{\"services\":[\"comfyui\"]}"));
    submit(NEEDS_SDXL);
    assertThat(claim("fixed", 1)).isEmpty();
  }

  @Test
  @DisplayName("explain names the fallback and cold conditions")
  void explainNotes() {
    await(store.setPools(new JsonObject("{\"fallback\":{\"fast\":[{\"to\":\"standard\",\"after_ms\":5000}]}}")));
    registerOn("std", "m1", downloader().put("pool", "standard"), 1);
    registerOn("heavy", "m2", downloader().put("pool", "heavy"), 1);
    String id = submit(NEEDS_SDXL.copy().put("pool", "fast")).id();
    Map<String, JsonObject> w = new java.util.HashMap<>();
    await(store.explain(id)).getJsonArray("workers").forEach(o -> w.put(((JsonObject) o).getString("id"), (JsonObject) o));
    assertThat(w.get("std").getBoolean("match")).isTrue();
    assertThat(w.get("std").getString("note")).contains("fallback from pool fast after 5000 ms").contains("cold");
    assertThat(w.get("heavy").getBoolean("match")).isFalse();
    assertThat(w.get("heavy").getString("reason")).contains("no fallback rule");
  }
}
