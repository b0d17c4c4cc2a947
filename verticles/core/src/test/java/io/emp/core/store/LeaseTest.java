package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.core.model.Results.Heartbeat;
import io.emp.core.model.Results.Reaped;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LeaseTest extends StoreTestBase {

  @Test
  @DisplayName("a stale token cannot complete, fail, release or report progress")
  void staleTokenIsFenced() {
    String id = submit("s").id();
    register("a", caps("s"), 1, 200L);
    ClaimedJob first = claimOne("a");
    sleep(300);
    assertThat(await(store.reap(100)).requeued()).isEqualTo(1);
    register("b", caps("s"));
    ClaimedJob second = claimOne("b");
    assertThat(second.id()).isEqualTo(id);
    assertThat(second.token()).isNotEqualTo(first.token());

    refused(store.complete(id, "a", first.token(), "{}"), BrokerError.FENCED);
    refused(store.fail(id, "a", first.token(), "boom", true), BrokerError.FENCED);
    refused(store.progress(id, "a", first.token(), 50, ""), BrokerError.FENCED);
    refused(store.release(id, "a", first.token(), ""), BrokerError.FENCED);
    // the right worker with a wrong token is fenced too
    refused(store.complete(id, "b", first.token(), "{}"), BrokerError.FENCED);
    assertThat(status(id)).isEqualTo("assigned");

    await(store.complete(id, "b", second.token(), "{\"ok\":true}"));
    assertThat(status(id)).isEqualTo("completed");
    refused(store.complete(id, "b", second.token(), "{}"), BrokerError.FENCED);
    assertThat(await(store.stats()).getJsonObject("counters").getInteger("fenced")).isEqualTo(6);
  }

  @Test
  @DisplayName("unknown jobs, unknown workers and stale tokens get distinct codes")
  void distinctCodes() {
    String id = submit("s").id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    refused(store.complete("01JD0000000000000000000000", "w", c.token(), ""), BrokerError.NOT_FOUND);
    refused(store.complete(id, "nobody", c.token(), ""), BrokerError.UNKNOWN_WORKER);
    refused(store.complete(id, "w", "9.9", ""), BrokerError.FENCED);
    refused(store.heartbeat("nobody", null), BrokerError.UNKNOWN_WORKER);
    refused(store.progress(id, "w", c.token(), 101, ""), BrokerError.INVALID);
  }

  @Test
  @DisplayName("lease expiry requeues the job without using an attempt")
  void leaseExpiryKeepsAttempts() {
    String id = submit("s").id();
    register("a", caps("s"), 1, 200L);
    claimOne("a");
    sleep(300);
    Reaped r = await(store.reap(100));
    assertThat(r.requeued()).isEqualTo(1);
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.losses()).isEqualTo(1);
    assertThat(job.worker()).isNull();
    assertThat(zcard("leases")).isZero();
    assertThat(cmd("SCARD", keys.prefix() + "worker:a:jobs").toLong()).isZero();
  }

  @Test
  @DisplayName("a job lost on 3 workers in a row fails as poison")
  void poisonAfterThreeLosses() {
    String id = submit("s").id();
    for (int i = 1; i <= 3; i++) {
      register("w" + i, caps("s"), 1, 150L);
      claimOne("w" + i);
      sleep(200);
      Reaped r = await(store.reap(100));
      assertThat(r.poisoned()).isEqualTo(i == 3 ? 1 : 0);
    }
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.FAILED);
    assertThat(job.failReason()).isEqualTo("poison");
    assertThat(job.losses()).isEqualTo(3);
    assertThat(cmd("PTTL", keys.job(id)).toLong()).isPositive();
  }

  @Test
  @DisplayName("a real failure between losses resets the loss streak")
  void failureResetsStreak() {
    String id = submit(new JsonObject().put("service", "s").put("max_attempts", 5)
      .put("backoff", new JsonObject().put("base_ms", 0))).id();
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 2; i++) {
        register("w", caps("s"), 1, 150L);
        claimOne("w");
        sleep(200);
        await(store.reap(100));
      }
      register("f" + round, caps("s"));
      ClaimedJob c = claimOne("f" + round);
      await(store.fail(id, "f" + round, c.token(), "oops", true));
      sleep(5);
      await(store.promote(10));
    }
    assertThat(status(id)).isEqualTo("queued");
    assertThat(await(store.getJob(id)).losses()).isEqualTo(4);
  }

  @Test
  @DisplayName("a heartbeat renews every lease of the worker and reports cancel requests and lost jobs")
  void heartbeatRenewsLeases() {
    String a = submit("s").id();
    String b = submit("s").id();
    register("w", caps("s"), 2, 300L);
    var claimed = claim("w", 2);
    await(store.cancel(b));
    for (int i = 0; i < 4; i++) {
      sleep(150);
      Heartbeat hb = await(store.heartbeat("w", Map.of(claimed.get(0).id(), claimed.get(0).token(),
        claimed.get(1).id(), claimed.get(1).token())));
      assertThat(hb.cancelRequested()).containsExactly(b);
      assertThat(hb.lost()).isEmpty();
      assertThat(await(store.reap(100)).total()).isZero();
    }
    assertThat(status(a)).isEqualTo("assigned");
    Heartbeat stale = await(store.heartbeat("w", Map.of(a, "7.7")));
    assertThat(stale.lost()).extracting(l -> l.id()).containsExactly(a);
  }

  @Test
  @DisplayName("a held job the worker does not know about (lost claim reply) is given back")
  void orphanReturned() {
    String id = submit("s").id();
    register("w", caps("s"), 1, 200L);
    claimOne("w");
    sleep(250);
    Heartbeat hb = await(store.heartbeat("w", Map.of()));
    assertThat(hb.lost()).isEmpty();
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.losses()).isZero();
  }

  @Test
  @DisplayName("a worker that re-registers (restarted process) loses its previous incarnation's jobs to the queue")
  void reRegisterRequeues() {
    String id = submit("s").id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    register("w", caps("s"));
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.losses()).isEqualTo(1);
    refused(store.complete(id, "w", c.token(), ""), BrokerError.FENCED);
  }

  @Test
  @DisplayName("deregister releases held jobs without counting a loss or an attempt")
  void deregisterReleases() {
    String id = submit("s").id();
    register("w", caps("s"));
    claimOne("w");
    assertThat(await(store.deregister("w"))).isEqualTo(1);
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.losses()).isZero();
    assertThat(job.attempt()).isEqualTo(1);
    refused(store.deregister("w"), BrokerError.UNKNOWN_WORKER);
  }

  @Test
  @DisplayName("a job past its timeout fails the attempt with reason timeout even while heartbeats continue")
  void timeout() {
    String id = submit(new JsonObject().put("service", "s").put("timeout_s", 0.3).put("max_attempts", 1)).id();
    register("w", caps("s"), 1, 5_000L);
    ClaimedJob c = claimOne("w");
    assertThat(c.leaseUntil() - c.job().assignedAt()).isEqualTo(300);
    sleep(200);
    await(store.heartbeat("w", Map.of(id, c.token())));
    assertThat(await(store.getJob(id)).leaseUntil()).isEqualTo(c.leaseUntil());
    sleep(150);
    assertThat(await(store.reap(10)).timedOut()).isEqualTo(1);
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.FAILED);
    assertThat(job.failReason()).isEqualTo("timeout");
  }

  @Test
  @DisplayName("progress moves assigned to running and reports a pending cancel")
  void progressTransitions() {
    String id = submit("s").id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    assertThat(await(store.progress(id, "w", c.token(), 0, "starting"))).isFalse();
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(job.startedAt()).isNotNull();
    await(store.progress(id, "w", c.token(), 42.5, "step 3/8"));
    assertThat(await(store.getJob(id)).progress()).isEqualTo(42.5);
    await(store.cancel(id));
    assertThat(await(store.progress(id, "w", c.token(), 50, ""))).isTrue();
  }

  @Test
  @DisplayName("outage grace: leases that expired while the whole fleet was silent are extended once; a renewed "
    + "lease can be extended again, one left to expire again is requeued")
  void outageGrace() {
    String id = submit("s").id();
    register("a", caps("s"), 1, 300L);
    ClaimedJob c = claimOne("a");
    sleep(400); // no heartbeat from anyone: what a Redis outage looks like once Redis is back
    Reaped r = await(store.reap(100, 200));
    assertThat(r.extended()).isEqualTo(1);
    assertThat(r.requeued()).isZero();
    assertThat(status(id)).isEqualTo("assigned");
    Reaped again = await(store.reap(100, 200));
    assertThat(again.total() + again.extended()).as("the extended lease is not expired").isZero();
    // the worker is back: its heartbeat renews the extended lease and it keeps the job
    Heartbeat hb = await(store.heartbeat("a", Map.of(id, c.token())));
    assertThat(hb.lost()).isEmpty();
    sleep(400);
    assertThat(await(store.reap(100, 200)).extended()).as("a renewed lease gets the grace again").isEqualTo(1);
    // ... but a lease extended and never renewed is lost like any other
    sleep(400);
    r = await(store.reap(100, 200));
    assertThat(r.extended()).isZero();
    assertThat(r.requeued()).isEqualTo(1);
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.losses()).isEqualTo(1);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(await(store.stats()).getJsonObject("counters").getInteger("leases_extended")).isEqualTo(2);
    refused(store.complete(id, "a", c.token(), "{}"), BrokerError.FENCED);
  }

  @Test
  @DisplayName("outage grace is not given while the reaper runs and another worker is seen: a dead worker's job is "
    + "requeued at once")
  void noGraceWhileOthersAreAlive() {
    String id = submit("s").id();
    register("a", caps("s"), 1, 300L);
    register("b", caps("s"), 1, 300L);
    claimOne("a");
    Reaped r = null;
    for (int i = 0; i < 5 && (r == null || r.requeued() == 0); i++) {
      sleep(100);
      await(store.heartbeat("b", Map.of()));
      r = await(store.reap(100, 200));
      assertThat(r.extended()).isZero();
    }
    assertThat(r.requeued()).isEqualTo(1);
    assertThat(status(id)).isEqualTo("queued");
    // and without the setting (0), a silent fleet's leases are requeued as before
    String other = submit("s").id();
    ClaimedJob c = claimOne("b");
    assertThat(c.id()).isIn(id, other);
    sleep(400);
    assertThat(await(store.reap(100, 0)).requeued()).isEqualTo(1);
  }

  @Test
  @DisplayName("outage grace after a reaper gap: when the reaper has not run for silence_ms (Redis was away), "
    + "expired leases are extended although a worker that reconnected first was just seen")
  void graceAfterReaperGap() {
    String id = submit("s").id();
    register("a", caps("s"), 1, 300L);
    register("b", caps("s"), 1, 300L);
    ClaimedJob c = claimOne("a");
    assertThat(await(store.reap(100, 200)).total()).isZero();
    sleep(400); // no reap: Redis was unreachable; b reconnected first
    await(store.heartbeat("b", Map.of()));
    Reaped r = await(store.reap(100, 200));
    assertThat(r.extended()).isEqualTo(1);
    assertThat(r.requeued()).isZero();
    assertThat(status(id)).isEqualTo("assigned");
    assertThat(await(store.heartbeat("a", Map.of(id, c.token()))).lost()).isEmpty();
    await(store.complete(id, "a", c.token(), "{}"));
    assertThat(status(id)).isEqualTo("completed");
  }
}
