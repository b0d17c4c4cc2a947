package io.emp.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.config.EnvConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The placement planner's decisions from synthetic demand histories and inventories. */
class PlacementPlanTest {
  private static final long HOUR = 3_600_000L;
  private static final long NOW = 500_000 * HOUR + HOUR / 2; // half-way through hour 500000

  private static RouterConfig.PlacementConfig config(Map<String, String> env) {
    return RouterConfig.from(EnvConfig.of(env)).placement();
  }

  private static JsonObject machine(String pool, String status, long budget, long used, String... models) {
    io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonArray();
    for (String m : models) {
      list.add(new JsonObject().put("name", m).put("bytes", 100));
    }
    return new JsonObject().put("pool", pool).put("status", status).put("inventory", new JsonObject()
      .put("models", list).put("disk", new JsonObject().put("budget_bytes", budget).put("used_bytes", used)));
  }

  @Test
  @DisplayName("forecast: exponential smoothing of hourly counts, the partial hour scaled to a full one")
  void forecast() {
    JsonObject demand = new JsonObject()
      .put("499998", new JsonObject().put("m", new JsonObject().put("fast", 10)))
      .put("499999", new JsonObject().put("m", new JsonObject().put("fast", 20)))
      .put("500000", new JsonObject().put("m", new JsonObject().put("fast", 15))); // half an hour: 30/h
    var f = PlacementPlan.forecast(demand, NOW, config(Map.of("EMP_PLACEMENT_HOURS", "3", "EMP_PLACEMENT_ALPHA", "0.5")));
    // level: 10 -> 0.5*20 + 0.5*10 = 15 -> 0.5*30 + 0.5*15 = 22.5
    assertThat(f.get("m").get("fast")).isEqualTo(22.5);
  }

  @Test
  @DisplayName("a hot model goes to enough machines of its pool, the ones with most free disk first")
  void prefetchToRightPool() {
    JsonObject doc = new JsonObject().put("now", NOW)
      .put("catalog", new JsonObject().put("hot", 100))
      .put("demand", new JsonObject().put("500000", new JsonObject().put("hot", new JsonObject().put("fast", 60))))
      .put("machines", new JsonObject()
        .put("f1", machine("fast", "online", 1000, 800))
        .put("f2", machine("fast", "online", 1000, 100))
        .put("f3", machine("fast", "offline", 1000, 0))
        .put("s1", machine("standard", "online", 1000, 0)));
    // 60 in half an hour = 120/h; 60 jobs per copy -> 2 copies wanted, 2 live fast machines
    List<PlacementPlan.Decision> plan = PlacementPlan.compute(doc, config(Map.of("EMP_PLACEMENT_HOURS", "1")), Set.of());
    assertThat(plan).extracting(d -> d.action() + " " + d.machine()).containsExactly("prefetch f2", "prefetch f1");
    assertThat(plan.get(0).reason()).contains("wants 2 copies");
  }

  @Test
  @DisplayName("copies already present or downloading count; recent commands are not repeated; the round is capped")
  void haveCooldownCap() {
    JsonObject doc = new JsonObject().put("now", NOW)
      .put("demand", new JsonObject().put("500000", new JsonObject()
        .put("a", new JsonObject().put("none", 300))
        .put("b", new JsonObject().put("none", 300))))
      .put("machines", new JsonObject()
        .put("m1", machine("standard", "online", 0, 0, "a"))
        .put("m2", machine("standard", "online", 0, 0))
        .put("m3", machine("standard", "online", 0, 0)));
    var cfg = config(Map.of("EMP_PLACEMENT_HOURS", "1", "EMP_PLACEMENT_JOBS_PER_COPY", "300", "EMP_PLACEMENT_MAX_COMMANDS", "3"));
    List<PlacementPlan.Decision> plan = PlacementPlan.compute(doc, cfg, Set.of("m2|prefetch|b"));
    // 600/h over 300 per copy: 2 copies of each; a has 1 (m1); b has one on its way (m2, issued within the cooldown)
    assertThat(plan).extracting(d -> d.model() + "@" + d.machine())
      .containsExactlyInAnyOrder("a@m2", "b@m1");
    assertThat(PlacementPlan.compute(doc, cfg, Set.of())).as("without the cooldown b needs two").hasSize(3);
    assertThat(PlacementPlan.compute(doc, config(Map.of("EMP_PLACEMENT_HOURS", "1", "EMP_PLACEMENT_JOBS_PER_COPY", "300",
      "EMP_PLACEMENT_MAX_COMMANDS", "1")), Set.of())).hasSize(1);
  }

  @Test
  @DisplayName("cold models are evicted from machines short of disk, never one in use; hot ones stay")
  void evictCold() {
    JsonObject inv = new JsonObject().put("models", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("name", "cold-big").put("bytes", 500))
        .add(new JsonObject().put("name", "cold-busy").put("bytes", 300).put("in_use", 1))
        .add(new JsonObject().put("name", "hot").put("bytes", 100)))
      .put("disk", new JsonObject().put("budget_bytes", 1000).put("used_bytes", 900));
    JsonObject doc = new JsonObject().put("now", NOW)
      .put("demand", new JsonObject().put("500000", new JsonObject().put("hot", new JsonObject().put("none", 5))))
      .put("machines", new JsonObject().put("m1", new JsonObject().put("pool", "standard").put("status", "online")
        .put("inventory", inv)));
    List<PlacementPlan.Decision> plan = PlacementPlan.compute(doc, config(Map.of("EMP_PLACEMENT_HOURS", "1")), Set.of());
    assertThat(plan).extracting(d -> d.action() + " " + d.model()).containsExactly("evict cold-big");
  }
}
