package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobSubmission;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClaimTest extends StoreTestBase {

  @Test
  @DisplayName("an unregistered or departed worker cannot claim")
  void unknownWorker() {
    submit("s");
    BrokerException e = refused(store.claim("ghost", 1, false), BrokerError.UNKNOWN_WORKER);
    assertThat(e.field()).isEqualTo("worker");
    register("w", caps("s"));
    await(store.deregister("w"));
    refused(store.claim("w", 1, false), BrokerError.UNKNOWN_WORKER);
    assertThat(zcard("idx:queued")).isEqualTo(1);
  }

  @Test
  @DisplayName("a claim returns the job, a fencing token, a lease, and moves it to assigned")
  void claimLeases() {
    String id = submit(new JsonObject().put("service", "s").put("payload", new JsonObject().put("k", 1))).id();
    register("w", caps("s"), 1, 5_000L);
    long before = System.currentTimeMillis();
    ClaimedJob c = claimOne("w");
    assertThat(c.id()).isEqualTo(id);
    assertThat(c.token()).isEqualTo("1.1");
    assertThat(c.leaseUntil()).isBetween(before + 4_000, before + 6_000);
    assertThat(new JsonObject(c.payload()).getInteger("k")).isEqualTo(1);
    assertThat(c.job().worker()).isEqualTo("w");
    assertThat(status(id)).isEqualTo("assigned");
    assertThat(zcard("leases")).isEqualTo(1);
    assertThat(await(store.listJobs("assigned", null, 10, null)).jobs()).extracting(j -> j.id()).containsExactly(id);
    assertThat(zcard("idx:queued")).isZero();
    assertThat(cmd("SCARD", keys.prefix() + "sigs").toLong()).isZero();
  }

  @Test
  @DisplayName("one call claims up to K jobs, never more than the worker's free slots")
  void batchClaimCappedBySlots() {
    for (int i = 0; i < 10; i++) {
      submit("s");
    }
    register("w", caps("s"), 4, null);
    assertThat(claim("w", 3)).hasSize(3);
    assertThat(claim("w", 10)).hasSize(1);
    assertThat(claim("w", 10)).isEmpty();
    assertThat(zcard("idx:queued")).isEqualTo(6);
  }

  @Test
  @DisplayName("a job 100k positions deep that only one worker matches is claimed by it at once")
  void deepJobIsFound() {
    List<Request> batch = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      // 100k better-ranked jobs that need a 96 GB GPU: the H100 worker (80 GB) cannot run any of them
      JobSubmission s = JobSubmission.fromJson(new JsonObject().put("service", "s").put("priority", 90)
        .put("requirements", new JsonObject().put("hardware", new JsonObject().put("gpu_memory_gb", 96))), 1 << 20);
      batch.add(Request.cmd(Command.FCALL).arg("emp_submit").arg(1).arg(keys.prefix())
        .arg(new io.emp.core.Ulid().next()).arg(s.specJson().encode()).arg("{}"));
      if (batch.size() == 2_000) {
        await(redis.batch(batch));
        batch = new ArrayList<>();
      }
    }
    String special = submit(new JsonObject().put("service", "s").put("priority", 1)
      .put("requirements", new JsonObject().put("gpu_arch", "hopper"))).id();
    register("h100", new JsonObject("{\"services\":[\"s\"],\"gpu_arch\":\"hopper\",\"hardware\":{\"gpu_memory_gb\":80}}"));
    register("plain", new JsonObject("{\"services\":[\"x\"]}"));
    assertThat(zcard("idx:queued")).isEqualTo(100_001);
    assertThat(claimOne("h100").id()).isEqualTo(special);
  }

  @Test
  @DisplayName("an idle worker is woken by a matching submit, not by one it cannot run")
  void idleWorkerIsWoken() {
    register("gpu", new JsonObject("{\"services\":[\"s\"],\"hardware\":{\"gpu_memory_gb\":24}}"));
    assertThat(await(store.claim("gpu", 1, true))).isEmpty();
    assertThat(cmd("ZCARD", keys.prefix() + "idle:s").toLong()).isEqualTo(1);
    submit(new JsonObject().put("service", "s").put("requirements",
      new JsonObject().put("hardware", new JsonObject().put("gpu_memory_gb", 48))));
    assertThat(cmd("LLEN", keys.workerWake("gpu")).toLong()).isZero();
    submit("s");
    assertThat(cmd("LLEN", keys.workerWake("gpu")).toLong()).isEqualTo(1);
    assertThat(cmd("ZCARD", keys.prefix() + "idle:s").toLong()).isZero();
    // the next claim consumes the wake token and takes the job it can run
    assertThat(await(store.claim("gpu", 1, true))).hasSize(1);
    assertThat(cmd("LLEN", keys.workerWake("gpu")).toLong()).isZero();
  }

  @Test
  @DisplayName("a stale idle worker is skipped and forgotten; the next live one is woken")
  void staleIdleWorkerSkipped() {
    configure(java.util.Map.of("worker_stale_ms", 300));
    register("old", caps("s"));
    assertThat(await(store.claim("old", 1, true))).isEmpty();
    sleep(400);
    register("new", caps("s"));
    assertThat(await(store.claim("new", 1, true))).isEmpty();
    submit("s");
    assertThat(cmd("LLEN", keys.workerWake("old")).toLong()).isZero();
    assertThat(cmd("LLEN", keys.workerWake("new")).toLong()).isEqualTo(1);
    assertThat(cmd("ZRANGE", keys.prefix() + "idle:s", 0, -1).size()).isZero();
  }

  @Test
  @DisplayName("concurrent claims from many connections: the calls are atomic")
  void concurrentClaimsAtomic() {
    for (int i = 0; i < 20; i++) {
      submit("s");
    }
    List<Future<List<ClaimedJob>>> calls = new ArrayList<>();
    for (int w = 0; w < 10; w++) {
      register("w" + w, caps("s"), 5, null);
    }
    for (int w = 0; w < 10; w++) {
      calls.add(store.claim("w" + w, 5, false));
    }
    List<String> all = new ArrayList<>();
    for (Future<List<ClaimedJob>> f : calls) {
      await(f).forEach(c -> all.add(c.id()));
    }
    assertThat(all).hasSize(20).doesNotHaveDuplicates();
  }
}
