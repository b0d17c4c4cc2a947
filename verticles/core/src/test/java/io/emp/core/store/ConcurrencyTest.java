package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobSubmission;
import io.emp.core.redis.RedisClients;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConcurrencyTest extends StoreTestBase {

  @Test
  @DisplayName("8 concurrent claimers over 10k jobs: every job claimed and completed exactly once")
  void eightClaimersTenThousandJobs() {
    int jobs = 10_000;
    List<Future<?>> submits = new ArrayList<>();
    Set<String> submitted = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < jobs; i++) {
      submits.add(store.submit(JobSubmission.of("s", new JsonObject().put("i", i))).onSuccess(s -> submitted.add(s.id())));
      if (submits.size() == 1_000) {
        await(Future.all(submits));
        submits.clear();
      }
    }
    assertThat(submitted).hasSize(jobs);

    // each claimer has its own connection pool, so claims really race inside Redis
    List<Redis> clients = new ArrayList<>();
    List<Future<List<String>>> claimers = new ArrayList<>();
    AtomicInteger completions = new AtomicInteger();
    for (int w = 0; w < 8; w++) {
      Redis client = RedisClients.create(vertx, io.emp.testkit.RedisExtension.shared().url(), 2);
      clients.add(client);
      BrokerStore own = new BrokerStore(client, keys);
      String worker = "m1-worker-" + w;
      await(own.registerWorker(worker, "m1", io.emp.core.model.WorkerCapabilities.of("s"), 4, null));
      List<String> mine = new ArrayList<>();
      claimers.add(drain(own, worker, mine, completions).map(v -> mine));
    }
    List<String> all = new ArrayList<>();
    int busyClaimers = 0;
    for (Future<List<String>> f : claimers) {
      List<String> mine = await(f);
      all.addAll(mine);
      if (!mine.isEmpty()) {
        busyClaimers++;
      }
    }
    clients.forEach(c -> await(c.close()));

    assertThat(all).hasSize(jobs).doesNotHaveDuplicates();
    assertThat(new HashSet<>(all)).isEqualTo(submitted);
    assertThat(completions.get()).isEqualTo(jobs);
    assertThat(busyClaimers).isGreaterThan(1);
    JsonObject stats = await(store.stats());
    assertThat(stats.getJsonObject("statuses").getInteger("completed")).isEqualTo(jobs);
    assertThat(stats.getJsonObject("statuses").getInteger("queued")).isZero();
    assertThat(stats.getJsonObject("counters").getInteger("fenced")).isNull();
  }

  /** Claim up to 4, complete them, repeat until a claim comes back empty. */
  private Future<Void> drain(BrokerStore own, String worker, List<String> mine, AtomicInteger completions) {
    return own.claim(worker, 4, false).compose(batch -> {
      if (batch.isEmpty()) {
        return Future.succeededFuture();
      }
      List<Future<Void>> done = new ArrayList<>();
      for (ClaimedJob c : batch) {
        mine.add(c.id());
        done.add(own.complete(c.id(), worker, c.token(), "{}").onSuccess(v -> completions.incrementAndGet()));
      }
      return Future.all(done).compose(v -> drain(own, worker, mine, completions));
    });
  }
}
