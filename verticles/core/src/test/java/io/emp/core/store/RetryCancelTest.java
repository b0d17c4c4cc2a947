package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.core.model.Results.Failed;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryCancelTest extends StoreTestBase {

  private ClaimedJob claimWhenDue(String worker) {
    for (int i = 0; i < 200; i++) {
      var got = claim(worker, 1);
      if (!got.isEmpty()) {
        return got.get(0);
      }
      sleep(10);
    }
    throw new AssertionError("job never became claimable");
  }

  @Test
  @DisplayName("fail retries with exponential backoff through the delayed set, then fails after max_attempts")
  void backoffThenFailed() {
    String id = submit(new JsonObject().put("service", "s").put("max_attempts", 3)
      .put("backoff", new JsonObject().put("base_ms", 100).put("factor", 3).put("cap_ms", 250))).id();
    register("w", caps("s"));
    configure(Map.of("retry_avoid_ms", 0));

    ClaimedJob c1 = claimOne("w");
    Failed f1 = await(store.fail(id, "w", c1.token(), "boom 1", true));
    assertThat(f1.status()).isEqualTo(JobStatus.DELAYED);
    Job delayed = await(store.getJob(id));
    assertThat(f1.dueAt() - delayed.delayedUntil()).isZero();
    long firstDelay = f1.dueAt() - System.currentTimeMillis();
    assertThat(firstDelay).isBetween(50L, 100L);
    assertThat(cmd("ZSCORE", keys.prefix() + "delayed", id).toLong()).isEqualTo(f1.dueAt());
    assertThat(claim("w", 1)).isEmpty();

    ClaimedJob c2 = claimWhenDue("w");
    assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(f1.dueAt());
    assertThat(c2.token()).startsWith("2.");
    Failed f2 = await(store.fail(id, "w", c2.token(), "boom 2", true));
    long secondDelay = f2.dueAt() - System.currentTimeMillis();
    assertThat(secondDelay).as("100 * 3 capped at 250").isBetween(200L, 250L);

    ClaimedJob c3 = claimWhenDue("w");
    Failed f3 = await(store.fail(id, "w", c3.token(), "boom 3", true));
    assertThat(f3.status()).isEqualTo(JobStatus.FAILED);
    Job job = await(store.getJob(id));
    assertThat(job.failReason()).isEqualTo("max_attempts");
    assertThat(job.error()).isEqualTo("boom 3");
    assertThat(job.attempt()).isEqualTo(3);
    assertThat(cmd("PTTL", keys.job(id)).toLong()).isGreaterThan(86_400_000L * 6);
  }

  @Test
  @DisplayName("a non-retryable failure fails at once")
  void notRetryable() {
    String id = submit("s").id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    assertThat(await(store.fail(id, "w", c.token(), "bad input", false)).status()).isEqualTo(JobStatus.FAILED);
    assertThat(await(store.getJob(id)).failReason()).isEqualTo("not_retryable");
  }

  @Test
  @DisplayName("a retried job is not handed back to the worker that just failed it")
  void retryAvoidsFailingWorker() {
    String id = submit(new JsonObject().put("service", "s").put("backoff", new JsonObject().put("base_ms", 0))).id();
    register("a", caps("s"));
    register("b", caps("s"));
    ClaimedJob c = claimOne("a");
    await(store.fail(id, "a", c.token(), "oom", true));
    sleep(5);
    assertThat(claim("a", 1)).isEmpty();
    assertThat(claimOne("b").id()).isEqualTo(id);
  }

  @Test
  @DisplayName("the failing worker may take the job again once retry_avoid_ms has passed")
  void avoidExpires() {
    configure(Map.of("retry_avoid_ms", 200));
    String id = submit(new JsonObject().put("service", "s").put("backoff", new JsonObject().put("base_ms", 0))).id();
    register("a", caps("s"));
    ClaimedJob c = claimOne("a");
    await(store.fail(id, "a", c.token(), "flaky", true));
    sleep(5);
    assertThat(claim("a", 1)).isEmpty();
    sleep(250);
    assertThat(claimOne("a").id()).isEqualTo(id);
  }

  @Test
  @DisplayName("retry moves a failed job back to the queue with fresh attempts; other states are refused")
  void retryEndpoint() {
    String id = submit(new JsonObject().put("service", "s").put("max_attempts", 1)).id();
    register("w", caps("s"));
    refused(store.retry(id), BrokerError.ILLEGAL_STATE);
    ClaimedJob c = claimOne("w");
    await(store.fail(id, "w", c.token(), "nope", true));
    await(store.retry(id));
    Job job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.error()).isNull();
    assertThat(cmd("PTTL", keys.job(id)).toLong()).isEqualTo(-1);
    assertThat(claimOne("w").id()).isEqualTo(id);
    refused(store.retry("01JD0000000000000000000000"), BrokerError.NOT_FOUND);
  }

  @Test
  @DisplayName("cancel: queued and delayed jobs at once, held jobs through the worker, finished jobs refused")
  void cancelInEveryState() {
    String queued = submit("s").id();
    String delayed = submit(new JsonObject().put("service", "s").put("delay_ms", 60_000)).id();
    assertThat(await(store.cancel(queued))).isEqualTo("cancelled");
    assertThat(await(store.cancel(delayed))).isEqualTo("cancelled");
    assertThat(zcard("delayed")).isZero();
    assertThat(cmd("SCARD", keys.prefix() + "sigs").toLong()).isZero();

    register("w", caps("s"), 3, null);
    String assigned = submit("s").id();
    String running = submit("s").id();
    String done = submit("s").id();
    var held = claim("w", 3);
    Map<String, String> tokens = new java.util.HashMap<>();
    held.forEach(c -> tokens.put(c.id(), c.token()));
    await(store.progress(running, "w", tokens.get(running), 10, ""));
    await(store.complete(done, "w", tokens.get(done), "{}"));

    assertThat(await(store.cancel(assigned))).isEqualTo("cancel_requested");
    assertThat(await(store.cancel(running))).isEqualTo("cancel_requested");
    assertThat(await(store.cancel(running))).as("idempotent").isEqualTo("cancel_requested");
    assertThat(cmd("LRANGE", keys.workerControl("w"), 0, -1).stream().map(Object::toString))
      .containsExactly("cancel:" + assigned, "cancel:" + running);
    assertThat(status(running)).isEqualTo("running");

    // the worker reports back: a failure of a cancel-requested job is a cancellation
    assertThat(await(store.fail(running, "w", tokens.get(running), "interrupted", true)).status())
      .isEqualTo(JobStatus.CANCELLED);
    // a worker that dies with a cancel pending: the reaper cancels instead of requeueing
    cmd("ZADD", keys.prefix() + "leases", "1", assigned);
    assertThat(await(store.reap(10)).cancelled()).isEqualTo(1);
    assertThat(status(assigned)).isEqualTo("cancelled");

    BrokerException e = refused(store.cancel(done), BrokerError.ILLEGAL_STATE);
    assertThat(e.field()).isEqualTo("completed");
    refused(store.cancel(queued), BrokerError.ILLEGAL_STATE);
    refused(store.cancel("01JD0000000000000000000000"), BrokerError.NOT_FOUND);
    assertThat(await(store.stats()).getJsonObject("statuses").getInteger("cancelled")).isEqualTo(4);
  }

  @Test
  @DisplayName("a backend's Retry-After delays the retry beyond the job's own backoff, never shortens it")
  void retryAfterHonoured() {
    String id = submit(new JsonObject().put("service", "s").put("max_attempts", 5)
      .put("backoff", new JsonObject().put("base_ms", 5_000))).id();
    register("w", caps("s"));
    configure(Map.of("retry_avoid_ms", 0));
    ClaimedJob c = claimOne("w");
    long before = System.currentTimeMillis();
    Failed f = await(store.fail(id, "w", c.token(), "rate limited", true, null, 20_000L));
    assertThat(f.status()).isEqualTo(JobStatus.DELAYED);
    assertThat(f.dueAt() - before).isBetween(19_000L, 21_000L);

    cmd("ZADD", keys.prefix() + "delayed", "1", id); // due now
    ClaimedJob c2 = claimOne("w");
    long before2 = System.currentTimeMillis();
    Failed f2 = await(store.fail(id, "w", c2.token(), "rate limited", true, null, 10L));
    assertThat(f2.dueAt() - before2).as("backoff 5000 * 2 wins over a 10 ms hint").isBetween(9_000L, 11_000L);
  }
}
