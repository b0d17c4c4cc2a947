package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.events.BrokerEvent;
import io.emp.core.model.ClaimedJob;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Pools, classification, cross-pool fallback and the duration model (docs/pools-and-models.md). */
class PoolsTest extends StoreTestBase {

  private static JsonObject policy(String fallback) {
    return new JsonObject("{\"pools\":[\"fast\",\"standard\",\"heavy\"],"
      + "\"classify\":[{\"pool\":\"fast\",\"below_ms\":60},{\"pool\":\"standard\",\"below_ms\":2000},{\"pool\":\"heavy\"}],"
      + "\"min_samples\":3,\"default_pool\":\"standard\",\"fallback\":" + fallback + "}");
  }

  private void registerPool(String id, String pool) {
    register(id, new JsonObject().put("services", new io.vertx.core.json.JsonArray().add("llm")).put("pool", pool));
  }

  private String submitPool(String pool) {
    JsonObject b = new JsonObject().put("service", "llm");
    if (pool != null) {
      b.put("pool", pool);
    }
    return submit(b).id();
  }

  private List<BrokerEvent> events(String type) {
    return cmd("XRANGE", keys.events(), "-", "+").stream().map(BrokerEvent::fromEntry)
      .filter(e -> e.type().equals(type)).toList();
  }

  @Test
  @DisplayName("a fast job never waits behind heavy jobs when a fast worker is idle; heavy never runs on fast")
  void fastNotBehindHeavy() {
    await(store.setPools(policy("{\"fast\":[{\"to\":\"standard\",\"after_ms\":60000}]}")));
    registerPool("fast-1", "fast");
    registerPool("heavy-1", "heavy");
    for (int i = 0; i < 5; i++) {
      submitPool("heavy");
    }
    String fast = submitPool("fast");
    assertThat(claimOne("fast-1").id()).isEqualTo(fast);
    // the fast worker is idle again: the heavy backlog is never its work, however long it waits
    assertThat(claim("fast-1", 1)).isEmpty();
    assertThat(claimOne("heavy-1").job().pool()).isEqualTo("heavy");
  }

  @Test
  @DisplayName("fallback: another pool takes a job only after the rule's wait, and says so")
  void fallbackAfterWait() {
    await(store.setPools(policy("{\"fast\":[{\"to\":\"standard\",\"after_ms\":400}]}")));
    registerPool("fast-1", "fast"); // live, so when_no_live does not apply
    await(store.claim("fast-1", 1, false));
    registerPool("std-1", "standard");
    String job = submitPool("fast");
    assertThat(claim("std-1", 1)).as("before after_ms the fast pool has it to itself").isEmpty();
    sleep(450);
    ClaimedJob c = claimOne("std-1");
    assertThat(c.id()).isEqualTo(job);
    BrokerEvent assigned = events("job.assigned").get(0);
    assertThat(assigned.fields()).containsEntry("route", "fallback").containsEntry("pool", "fast");
    assertThat(await(store.stats()).getJsonObject("counters").getInteger("routed_fallback:fast")).isEqualTo(1);
  }

  @Test
  @DisplayName("fallback when no worker of the job's pool is live, at once")
  void whenNoLive() {
    await(store.setPools(policy("{\"fast\":[{\"to\":\"standard\",\"after_ms\":600000,\"when_no_live\":true}]}")));
    registerPool("std-1", "standard");
    String first = submitPool("fast");
    assertThat(claimOne("std-1").id()).isEqualTo(first);
    registerPool("fast-1", "fast");
    submitPool("fast");
    registerPool("std-2", "standard");
    assertThat(claim("std-2", 1)).as("a fast worker is live now").isEmpty();
  }

  @Test
  @DisplayName("an eligible spill-over job competes by age with the worker's own backlog, not behind it")
  void spillOverNotStarved() {
    await(store.setPools(policy("{\"fast\":[{\"to\":\"standard\",\"after_ms\":200}]}")));
    registerPool("fast-1", "fast");
    await(store.claim("fast-1", 1, false));
    registerPool("std-1", "standard");
    String fast = submitPool("fast");
    sleep(250);
    submitPool("standard");
    submitPool("standard");
    assertThat(claimOne("std-1").id()).isEqualTo(fast);
  }

  @Test
  @DisplayName("without a rule a pooled job never leaves its pool; an unpooled job runs anywhere")
  void noRuleNoFallback() {
    await(store.setPools(policy("{}")));
    registerPool("std-1", "standard");
    submitPool("heavy");
    sleep(50);
    assertThat(claim("std-1", 1)).isEmpty();
    await(store.setPools(null));
    String any = submit(new JsonObject().put("service", "llm")).id();
    assertThat(claimOne("std-1").id()).isEqualTo(any);
  }

  @Test
  @DisplayName("classification: a class's p50 picks the pool once it has min_samples; before, the default pool")
  void classification() {
    registerPool("any", "standard");
    // history without a policy: 3 quick completions of class q, 3 of ~150 ms of class s
    for (int i = 0; i < 3; i++) {
      submit(new JsonObject().put("service", "llm").put("job_class", "q"));
      ClaimedJob c = claimOne("any");
      await(store.complete(c.id(), "any", c.token(), "{}"));
      submit(new JsonObject().put("service", "llm").put("job_class", "s"));
      ClaimedJob d = claimOne("any");
      sleep(150);
      await(store.complete(d.id(), "any", d.token(), "{}"));
    }
    await(store.setPools(policy("{}")));
    String q = submit(new JsonObject().put("service", "llm").put("job_class", "q")).id();
    String s = submit(new JsonObject().put("service", "llm").put("job_class", "s")).id();
    String unknown = submit(new JsonObject().put("service", "llm").put("job_class", "new")).id();
    String explicit = submit(new JsonObject().put("service", "llm").put("job_class", "q").put("pool", "heavy")).id();
    assertThat(field(q, "pool")).isEqualTo("fast");
    assertThat(field(q, "pool_source")).isEqualTo("classified");
    assertThat(field(s, "pool")).isEqualTo("standard");
    assertThat(field(unknown, "pool")).isEqualTo("standard");
    assertThat(field(unknown, "pool_source")).isEqualTo("default");
    assertThat(field(explicit, "pool")).isEqualTo("heavy");
    assertThat(field(explicit, "pool_source")).isEqualTo("explicit");

    JsonObject durations = await(store.durations());
    assertThat(durations.getJsonObject("q").getInteger("n")).isEqualTo(3);
    assertThat(durations.getJsonObject("s").getLong("p50_ms")).isBetween(120L, 400L);
    assertThat(durations.getJsonObject("q").getLong("p50_ms")).isLessThan(60L);
  }

  @Test
  @DisplayName("the default class is service:component:models; per-GPU statistics when the worker names its GPU")
  void classAndGpu() {
    register("g", new JsonObject("{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_model\":\"RTX-4090\"},"
      + "\"models\":[\"sdxl\"],\"components\":[\"txt2img\"]}"));
    String id = submit(new JsonObject().put("service", "comfyui")
      .put("requirements", new JsonObject("{\"component\":\"txt2img\",\"models\":[\"sdxl\"]}"))).id();
    assertThat(field(id, "class")).isEqualTo("comfyui:txt2img:sdxl");
    ClaimedJob c = claimOne("g");
    await(store.complete(c.id(), "g", c.token(), "{}"));
    JsonObject d = await(store.durations()).getJsonObject("comfyui:txt2img:sdxl");
    assertThat(d.getInteger("n")).isEqualTo(1);
    assertThat(d.getJsonObject("gpus").getJsonObject("RTX-4090").getInteger("n")).isEqualTo(1);
    JsonObject pools = await(store.stats()).getJsonObject("pools");
    assertThat(pools.getJsonObject("none").getJsonObject("run").getInteger("n")).isEqualTo(1);
    assertThat(pools.getJsonObject("none").getJsonObject("wait").getInteger("n")).isEqualTo(1);
  }

  @Test
  @DisplayName("wait and run histograms per pool: a bucket per value, count and sum (s) derived; an older hash shape adds up")
  void histograms() {
    registerPool("std-1", "standard");
    for (int i = 0; i < 3; i++) {
      submitPool("standard");
      ClaimedJob c = claimOne("std-1");
      sleep(120);
      await(store.complete(c.id(), "std-1", c.token(), "{}"));
    }
    JsonObject run = await(store.stats()).getJsonObject("pools").getJsonObject("standard").getJsonObject("run_hist");
    assertThat(run.getLong("count")).isEqualTo(3);
    assertThat(run.getLong("250")).as("120 ms runs land in the (100, 250] ms bucket: %s", run).isEqualTo(3);
    assertThat(run.getDouble("sum")).isBetween(0.36, 0.75);
    assertThat(run.fieldNames()).doesNotContain("sum_ms");
    JsonObject wait = await(store.stats()).getJsonObject("pools").getJsonObject("standard").getJsonObject("wait_hist");
    assertThat(wait.getLong("count")).isEqualTo(3);

    // a hash written by the previous release: a float sum in seconds and a count field of its own
    String legacy = keys.prefix() + "hist:run:standard";
    cmd("HINCRBY", legacy, "1000", "2");
    cmd("HSET", legacy, "count", "5", "sum", "1.5");
    run = await(store.stats()).getJsonObject("pools").getJsonObject("standard").getJsonObject("run_hist");
    assertThat(run.getLong("count")).isEqualTo(5);
    assertThat(run.getLong("1000")).isEqualTo(2);
    assertThat(run.getDouble("sum")).isBetween(1.86, 2.25);
  }

  @Test
  @DisplayName("an invalid policy is refused naming the field, and nothing is stored")
  void invalidPolicy() {
    for (String[] c : new String[][] {
      {"{\"fallback\":{\"fast\":[{\"to\":7}]}}", "policy.fallback.fast[0].to"},
      {"{\"fallback\":{\"fast\":[{\"to\":\"standard\",\"after_ms\":-1}]}}", "policy.fallback.fast[0].after_ms"},
      {"{\"classify\":[{\"pool\":\"fast\",\"below_ms\":\"soon\"}]}", "policy.classify[0].below_ms"},
      {"{\"min_samples\":0}", "policy.min_samples"},
      {"{\"colour\":\"blue\"}", "policy.colour"}}) {
      BrokerException e = refused(store.setPools(new JsonObject(c[0])), BrokerError.INVALID);
      assertThat(e.field()).as(c[0]).isEqualTo(c[1]);
    }
    assertThat(namespaceKeys()).isEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.emp.core.model.JobSubmission.fromJson(
      new JsonObject().put("service", "s").put("job_class", "bad class!"), 1024))
      .isInstanceOf(io.emp.core.validation.ValidationException.class).hasMessageContaining("job_class");
    // the function library checks it again
    var r = cmd("FCALL", "emp_submit", "1", keys.prefix(), new io.emp.core.Ulid().next(),
      "{\"service\":\"s\",\"job_class\":\"bad class!\"}", "");
    assertThat(r.get(1).toString()).isEqualTo("job_class");
    assertThat(namespaceKeys()).isEmpty();
  }

  private String field(String jobId, String name) {
    return cmd("HGET", keys.prefix() + "job:" + jobId, name).toString();
  }
}
