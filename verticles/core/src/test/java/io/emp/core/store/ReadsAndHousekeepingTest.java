package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.Job;
import io.emp.core.model.Results.JobPage;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReadsAndHousekeepingTest extends StoreTestBase {

  @Test
  @DisplayName("jobs are listed by status page by page, newest first, without gaps or repeats")
  void listPages() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(submit(i % 5 == 0 ? "other" : "s").id());
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      JobPage page = await(store.listJobs("queued", cursor, 7, null));
      page.jobs().forEach(j -> seen.add(j.id()));
      cursor = page.nextCursor();
    } while (cursor != null);
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertThat(seen).containsExactlyElementsOf(newestFirst);

    JobPage services = await(store.listJobs("queued", null, 100, "other"));
    assertThat(services.jobs()).hasSize(5).allMatch(j -> j.service().equals("other"));
    assertThat(await(store.listJobs("completed", null, 10, null)).jobs()).isEmpty();
    refused(store.listJobs("bogus", null, 10, null), BrokerError.INVALID);
    refused(store.listJobs(null, "garbage", 10, null), BrokerError.INVALID);
    refused(store.listJobs(null, null, 0, null), BrokerError.INVALID);
  }

  @Test
  @DisplayName("without a status, jobs of every status are listed by their last transition")
  void listAllStatuses() {
    String a = submit("s").id();
    String b = submit("s").id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    sleep(3); // index scores are milliseconds: make the completion strictly the latest transition
    await(store.complete(c.id(), "w", c.token(), "{\"n\":1}"));
    List<Job> all = await(store.listJobs(null, null, 10, null)).jobs();
    assertThat(all).extracting(Job::id).containsExactly(a, b);
    assertThat(all.get(0).status().wire()).isEqualTo("completed");
    assertThat(new JsonObject(await(store.getJob(a)).result()).getInteger("n")).isEqualTo(1);
  }

  @Test
  @DisplayName("stats count statuses, report queues per signature and jobs no live worker can run")
  void stats() {
    submit("s");
    submit("s");
    submit(new JsonObject().put("service", "s").put("requirements", new JsonObject().put("gpu_arch", "hopper")));
    submit("nobody-runs-this");
    register("w", caps("s"));
    JsonObject st = await(store.stats());
    assertThat(st.getJsonObject("statuses").getInteger("queued")).isEqualTo(4);
    assertThat(st.getInteger("unrunnable_jobs")).isEqualTo(2);
    assertThat(st.getJsonObject("workers").getInteger("online")).isEqualTo(1);
    assertThat(st.getJsonArray("queues")).hasSize(3);
    JsonObject plain = st.getJsonArray("queues").stream().map(JsonObject.class::cast)
      .filter(q -> q.getInteger("depth") == 2).findFirst().orElseThrow();
    assertThat(plain.getBoolean("runnable")).isTrue();
    assertThat(plain.getString("service")).isEqualTo("s");
    assertThat(st.getLong("oldest_queued_ms")).isGreaterThanOrEqualTo(0);
    assertThat(st.getJsonObject("counters").getInteger("submitted")).isEqualTo(4);
  }

  @Test
  @DisplayName("every transition appends exactly one event, in order")
  void eventsPerTransition() {
    String id = submit(new JsonObject().put("service", "s").put("backoff", new JsonObject().put("base_ms", 0))).id();
    register("w", caps("s"));
    configure(Map.of("retry_avoid_ms", 0));
    ClaimedJob c = claimOne("w");
    await(store.progress(id, "w", c.token(), 0, ""));
    await(store.progress(id, "w", c.token(), 50, "half"));
    await(store.fail(id, "w", c.token(), "boom", true));
    sleep(5);
    ClaimedJob c2 = claimOne("w");
    await(store.complete(id, "w", c2.token(), "{}"));
    List<String> types = new ArrayList<>();
    for (Response e : cmd("XRANGE", keys.events(), "-", "+")) {
      Response f = e.get(1);
      Map<String, String> m = new java.util.HashMap<>();
      for (int i = 0; i < f.size(); i += 2) {
        m.put(f.get(i).toString(), f.get(i + 1).toString());
      }
      if (m.containsKey("job")) {
        assertThat(m.get("job")).isEqualTo(id);
        types.add(m.get("type") + ":" + m.get("status"));
      }
    }
    assertThat(types).containsExactly("job.submitted:queued", "job.assigned:assigned", "job.running:running",
      "job.progress:running", "job.retry_scheduled:delayed", "job.queued:queued", "job.assigned:assigned",
      "job.completed:completed");
  }

  @Test
  @DisplayName("the event stream is capped")
  void eventsCapped() {
    configure(Map.of("events_maxlen", 100));
    for (int i = 0; i < 1_000; i++) {
      submit("s");
    }
    assertThat(cmd("XLEN", keys.events()).toLong()).isLessThan(300);
  }

  @Test
  @DisplayName("finished jobs expire after retention; prune trims the indexes, old descriptors and workers")
  void retentionAndPrune() {
    configure(Map.of("retention_completed_ms", 200, "sig_ttl_ms", 100, "worker_retention_ms", 100));
    String id = submit("s").id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    await(store.complete(id, "w", c.token(), "{\"big\":true}"));
    assertThat(cmd("PTTL", keys.job(id)).toLong()).isBetween(1L, 200L);
    assertThat(cmd("PTTL", keys.job(id) + ":r").toLong()).isBetween(1L, 200L);
    sleep(300);
    assertThat(cmd("EXISTS", keys.job(id)).toLong()).isZero();
    var pruned = await(store.prune(100));
    assertThat(pruned.indexEntries()).isEqualTo(1);
    assertThat(pruned.signatures()).isEqualTo(1);
    assertThat(pruned.workers()).isEqualTo(1);
    assertThat(zcard("idx:completed")).isZero();
    assertThat(cmd("HLEN", keys.prefix() + "sigd").toLong()).isZero();
    assertThat(zcard("workers")).isZero();
  }

  @Test
  @DisplayName("configure refuses unknown names and bad values without writing")
  void configureValidation() {
    refused(store.configure(Map.of("lease_ms", -1)), BrokerError.INVALID);
    BrokerException e = refused(store.configure(Map.of("no_such_thing", 1)), BrokerError.INVALID);
    assertThat(e.field()).isEqualTo("no_such_thing");
    assertThat(namespaceKeys()).isEmpty();
  }

  @Test
  @DisplayName("the worker registry shows presence, held jobs and capabilities; departed workers stay listed")
  void workerRegistry() {
    configure(Map.of("worker_stale_ms", 200, "worker_offline_ms", 400));
    submit("s");
    register("a", caps("s"));
    register("b", new JsonObject("{\"services\":[\"s\"],\"pool\":\"fast\"}"));
    register("c", caps("s"));
    ClaimedJob held = claimOne("a");
    await(store.deregister("c"));
    var all = await(store.workers(null));
    assertThat(all).hasSize(3);
    JsonObject a = all.getJsonObject(0);
    assertThat(a.getString("id")).isEqualTo("a");
    assertThat(a.getString("status")).isEqualTo("online");
    assertThat(a.getJsonArray("jobs")).containsExactly(held.id());
    assertThat(a.getJsonObject("capabilities").getJsonArray("services")).containsExactly("s");
    assertThat(all.getJsonObject(1).getString("pool")).isEqualTo("fast");
    assertThat(all.getJsonObject(2).getString("status")).isEqualTo("left");
    sleep(250);
    assertThat(await(store.workers(null)).getJsonObject(0).getString("status")).isEqualTo("stale");
    sleep(250);
    assertThat(await(store.workers("m1")).getJsonObject(0).getString("status")).isEqualTo("offline");
    assertThat(await(store.workers("no-such-machine"))).isEmpty();
  }
}
