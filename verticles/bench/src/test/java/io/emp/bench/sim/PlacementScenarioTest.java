package io.emp.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.redis.RedisClients;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.emp.testkit.TestNamespace;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pools variant of the simulator end to end, short: the router's placement planner issues
 * prefetch_model commands that the simulated machines read from their command streams and execute
 * against their disks, and the claim routes model jobs by affinity (job.assigned with models=warm).
 */
@ExtendWith(RedisExtension.class)
class PlacementScenarioTest {
  static final String YAML = """
    name: placement-test
    duration: 6m
    time_scale: 30
    seed: 5
    drain: 10m
    broker: {lease: 15s, heartbeat: 3s, claim_poll: 5s}
    models: {count: 4, prefix: m-, min_size: 2GB, max_size: 4GB, zipf: 1.0}
    model_routing: requirement
    routing:
      job_class: true
      pool_policy:
        pools: [standard]
        classify: [{pool: standard}]
        default_pool: standard
      placement: {interval: 20s, jobs_per_copy: 1000, min_demand: 0.01, max_commands: 8, cooldown: 5m, hours: 1}
    machines:
      - {group: standard, pool: standard, count: 3, disk: 20GB, download_speed: 200MB/s}
    jobs:
      - {class: image, rate: 8/m, duration: {dist: uniform, min: 20s, max: 40s}, model: popular}
    """;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  @DisplayName("pools variant: sim machines execute the planner's prefetch commands and model jobs are claimed warm")
  void prefetchAndAffinity(RedisServer server, TestNamespace ns) throws Exception {
    Scenario scenario = Scenario.parse(YAML, "placement-test");
    Vertx vertx = Vertx.vertx();
    try {
      Redis admin = RedisClients.create(vertx, server.url(), 8);
      RunData data = new FleetSimulator(vertx, admin, server.host(), server.port(), ns.value(), scenario).run();
      JsonObject n = ReportNumbers.compute(data, scenario.chartBucketMs());
      JsonObject totals = n.getJsonObject("totals");
      JsonObject counters = n.getJsonObject("counters");
      assertThat(totals.getInteger("lost")).as(totals.encodePrettily()).isZero();
      assertThat(totals.getInteger("completed")).isEqualTo(totals.getInteger("submitted"));
      // the planner's commands reached the machines through their command streams and were executed
      assertThat(counters.getInteger("machine_command:prefetch_model", 0)).as(counters.encodePrettily()).isPositive();
      assertThat(counters.getInteger("machine_prefetch:downloading", 0)).as(counters.encodePrettily()).isPositive();
      // affinity: the claim saw the machines' inventories and routed jobs to warm machines
      assertThat(counters.getInteger("assigned_models:warm", 0)).as(counters.encodePrettily()).isPositive();
      assertThat(n.getJsonObject("models").getInteger("warm")).isPositive();
      admin.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
