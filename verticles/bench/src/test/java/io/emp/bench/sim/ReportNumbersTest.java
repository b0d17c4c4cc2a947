package io.emp.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.events.BrokerEvent;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReportNumbersTest {
  private static final long T0 = 1_000_000;
  private final Scenario.JobClass fast = new Scenario.JobClass("llm", "sim", "fast", "fast", 1, true,
    new Distribution.Constant(1_000), "none", 50, 0, 0, Map.of());
  private final Scenario.JobClass image = new Scenario.JobClass("image", "sim", null, "standard", 1, true,
    new Distribution.Constant(1_000), "popular", 50, 0, 0, Map.of());

  private static void event(RunData d, String job, String type, long ts, String... kv) {
    Map<String, String> f = new java.util.HashMap<>(Map.of("type", type, "job", job));
    for (int i = 0; i < kv.length; i += 2) {
      f.put(kv[i], kv[i + 1]);
    }
    d.onEvent(new BrokerEvent(ts + "-0", type, f));
  }

  /** A job submitted at T0 + submit, assigned after wait, completed by worker. */
  private static void job(RunData d, String id, Scenario.JobClass c, long submit, long wait, String worker) {
    d.accepted(id, c, c.needsModel() ? "m1" : null, submit, submit);
    event(d, id, "job.submitted", T0 + submit);
    event(d, id, "job.assigned", T0 + submit + wait, "worker", worker);
    event(d, id, "job.completed", T0 + submit + wait + 500, "worker", worker);
    d.job(id).clientCompletions = 1;
  }

  private RunData data() {
    RunData d = new RunData(10); // 10 simulated ms per real ms
    d.start(T0);
    d.machineEvent(new RunData.MachineEvent(0, "join", "f-1", "f"), "fast");
    d.machineEvent(new RunData.MachineEvent(0, "join", "s-1", "s"), "standard");
    // fast waits (real ms): 1..10 -> simulated 10..100 ms
    for (int i = 1; i <= 10; i++) {
      job(d, "F" + i, fast, i * 100, i, "f-1-worker-0");
    }
    // image jobs: 3 on standard, 1 on fast (not optimal); 2 warm, 2 cold
    job(d, "I1", image, 50, 100, "s-1-worker-0");
    job(d, "I2", image, 60, 200, "s-1-worker-1");
    job(d, "I3", image, 70, 300, "s-1-worker-0");
    job(d, "I4", image, 80, 400, "f-1-worker-1");
    d.job("I1").warm = true;
    d.job("I2").warm = true;
    d.job("I3").warm = false;
    d.job("I3").downloadWaitMs = 30_000;
    d.job("I4").warm = false;
    d.job("I4").downloadWaitMs = 10_000;
    return d;
  }

  @Test
  @DisplayName("nearest-rank percentiles")
  void percentiles() {
    List<Long> v = List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);
    assertThat(ReportNumbers.percentile(v, 50)).isEqualTo(50);
    assertThat(ReportNumbers.percentile(v, 95)).isEqualTo(100);
    assertThat(ReportNumbers.percentile(v, 10)).isEqualTo(10);
    assertThat(ReportNumbers.percentile(List.of(), 99)).isZero();
  }

  @Test
  @DisplayName("waits per pool in simulated time, routing and model shares from known traces")
  void figures() {
    JsonObject n = ReportNumbers.compute(data(), 60_000);
    JsonObject fastWait = n.getJsonObject("wait_by_pool").getJsonObject("fast");
    assertThat(fastWait.getInteger("count")).isEqualTo(10);
    assertThat(fastWait.getLong("p50")).isEqualTo(50);
    assertThat(fastWait.getLong("p95")).isEqualTo(100);
    assertThat(fastWait.getLong("max")).isEqualTo(100);
    JsonObject std = n.getJsonObject("wait_by_pool").getJsonObject("standard");
    assertThat(std.getLong("p50")).isEqualTo(2_000);
    assertThat(std.getLong("p99")).isEqualTo(4_000);
    JsonObject routing = n.getJsonObject("routing");
    assertThat(routing.getInteger("completed_with_pool")).isEqualTo(14);
    assertThat(routing.getInteger("on_optimal_pool")).isEqualTo(13);
    assertThat(routing.getJsonObject("optimal_pool_to_machine_pool").getJsonObject("standard").getInteger("fast"))
      .isEqualTo(1);
    JsonObject models = n.getJsonObject("models");
    assertThat(models.getInteger("completed_with_model")).isEqualTo(4);
    assertThat(models.getDouble("warm_share")).isEqualTo(0.5);
    assertThat(models.getJsonObject("download_wait").getLong("p50")).isEqualTo(10_000);
    assertThat(models.getJsonObject("download_wait").getLong("max")).isEqualTo(30_000);
    assertThat(models.getLong("download_wait_mean_over_model_jobs")).isEqualTo(10_000);
    JsonObject totals = n.getJsonObject("totals");
    assertThat(totals.getInteger("submitted")).isEqualTo(14);
    assertThat(totals.getInteger("completed")).isEqualTo(14);
    assertThat(totals.getInteger("lost")).isZero();
    assertThat(totals.getInteger("duplicated")).isZero();
  }

  @Test
  @DisplayName("lost = submitted and never finished; duplicated = two completion events or two client acknowledgements")
  void lostAndDuplicated() {
    RunData d = data();
    d.accepted("L1", fast, null, 900, 900);
    event(d, "L1", "job.submitted", T0 + 900);
    d.job("L1").finalStatus = "queued";
    d.accepted("L2", fast, null, 901, 901);
    d.job("L2").finalStatus = "missing";
    event(d, "F1", "job.completed", T0 + 5_000, "worker", "f-1-worker-1");
    d.job("F2").clientCompletions = 2;
    event(d, "F3", "job.queued", T0 + 5_000, "reason", "lost");
    event(d, "F4", "job.queued", T0 + 5_000, "reason", "shutdown");
    JsonObject totals = ReportNumbers.compute(d, 60_000).getJsonObject("totals");
    assertThat(totals.getInteger("submitted")).isEqualTo(16);
    assertThat(totals.getInteger("lost")).isEqualTo(2);
    assertThat(totals.getJsonObject("unfinished_by_status").getMap()).containsExactly(
      Map.entry("missing", 1), Map.entry("queued", 1));
    assertThat(totals.getInteger("duplicated")).isEqualTo(2);
    assertThat(totals.getInteger("duplicate_completion_events")).isEqualTo(1);
    assertThat(totals.getInteger("duplicate_client_acks")).isEqualTo(1);
    assertThat(totals.getInteger("lease_losses")).isEqualTo(1);
    assertThat(totals.getInteger("released_on_drain")).isEqualTo(1);
  }

  @Test
  @DisplayName("the report says MISSED when a target is missed, and renders HTML without network references")
  void rendering() {
    RunData d = data();
    d.accepted("L1", fast, null, 900, 900);
    d.job("L1").finalStatus = "queued";
    Scenario s = Scenario.parse("""
      duration: 1m
      machines: [{group: f, pool: fast, count: 1}]
      jobs: [{class: llm, pool: fast, rate: 1/s, duration: 1s}]
      """, "t");
    JsonObject n = ReportNumbers.compute(d, 60_000);
    SimReport r = new SimReport(s, n, new SimReport.Meta("t.yaml", "now", 1.0, "test",
      FleetClock.Timings.of(s.broker(), s.timeScale())));
    assertThat(r.checks().get("0 lost")).containsExactly("MISSED", "1 lost");
    assertThat(r.checks().get("0 duplicated")).containsExactly("met", "0 duplicated");
    assertThat(r.checks().get(">= 95 % on their optimal pool")).containsExactly("MISSED", "92.86 %");
    String html = r.html();
    assertThat(html).contains("<svg").doesNotContain("src=", "href=", "<script", "<link");
    assertThat(r.markdown()).contains("| fast | 10 | 50 ms | 100 ms |");
  }
}
