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
 * The short scenario of the normal test suite: the real api, router and worker role against a real
 * redis-server, with one machine preempted (kill -9 semantics) while it runs jobs and one drained.
 */
@ExtendWith(RedisExtension.class)
class SmokeScenarioTest {

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  @DisplayName("smoke scenario: every submitted job completes once, none lost, the preempted machine's jobs recover")
  void smoke(RedisServer server, TestNamespace ns) throws Exception {
    Scenario scenario = Scenario.load(ScenarioTest.SCENARIOS.resolve("smoke.yaml"));
    Vertx vertx = Vertx.vertx();
    try {
      Redis admin = RedisClients.create(vertx, server.url(), 8);
      RunData data = new FleetSimulator(vertx, admin, server.host(), server.port(), ns.value(), scenario).run();
      JsonObject n = ReportNumbers.compute(data, scenario.chartBucketMs());
      JsonObject totals = n.getJsonObject("totals");
      assertThat(totals.getInteger("submitted")).isGreaterThan(150);
      assertThat(totals.getInteger("lost")).as(totals.encodePrettily()).isZero();
      assertThat(totals.getInteger("duplicated")).as(totals.encodePrettily()).isZero();
      assertThat(totals.getInteger("completed")).isEqualTo(totals.getInteger("submitted"));
      assertThat(totals.getInteger("client_acks_missing")).isZero();
      assertThat(totals.getInteger("rejected_submissions")).isZero();
      // the preemption hit a busy machine: its jobs lost their leases and completed elsewhere
      assertThat(totals.getInteger("lease_losses")).isPositive();
      assertThat(n.getJsonObject("series").getJsonArray("machine_events").stream()
        .filter(e -> "preempt".equals(((JsonObject) e).getString("action"))).count()).isEqualTo(1);
      assertThat(n.getJsonObject("routing").getDouble("optimal_share")).isEqualTo(1.0);
      assertThat(n.getJsonObject("models").getInteger("completed_with_model")).isPositive();
      admin.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
