package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.events.BrokerEvent;
import io.emp.core.model.ClaimedJob;
import io.emp.core.model.Job;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** emp_snapshot: the monitor's whole view, atomic with the newest event id. */
class SnapshotTest extends StoreTestBase {

  private String newestEventId() {
    var r = cmd("XREVRANGE", keys.prefix() + "events", "+", "-", "COUNT", "1");
    return r.size() == 0 ? "0-0" : r.get(0).get(0).toString();
  }

  @Test
  @DisplayName("an empty namespace snapshots as empty lists and event id 0-0")
  void empty() {
    BrokerStore.Snapshot s = await(store.snapshot(10, 10));
    assertThat(s.eventId()).isEqualTo("0-0");
    assertThat(s.jobs()).isEmpty();
    assertThat(s.workers()).isEmpty();
    assertThat(s.machines()).isEmpty();
    assertThat(s.stats().getJsonObject("statuses")).isNotNull();
  }

  @Test
  @DisplayName("jobs of every status, workers, machines and stats, with the newest event id")
  void everything() {
    register("w1", caps("s"), 2, null);
    String done = submit("s").id();
    ClaimedJob c = claimOne("w1");
    await(store.complete(c.id(), "w1", c.token(), "{\"ok\":true}"));
    String running = submit("s").id();
    claimOne("w1");
    String queued = submit("s").id();
    String cancelled = submit("other").id();
    await(store.cancel(cancelled));

    BrokerStore.Snapshot s = await(store.snapshot(100, 100));
    assertThat(s.eventId()).isEqualTo(newestEventId());
    Map<String, String> status = s.jobs().stream().collect(Collectors.toMap(Job::id, j -> j.status().wire()));
    assertThat(status).containsOnly(Map.entry(done, "completed"), Map.entry(running, "assigned"),
      Map.entry(queued, "queued"), Map.entry(cancelled, "cancelled"));
    assertThat(s.workers()).hasSize(1);
    JsonObject w = s.workers().getJsonObject(0);
    assertThat(w.getString("id")).isEqualTo("w1");
    assertThat(w.getJsonArray("jobs").getList()).containsExactly(running);
    assertThat(s.machines().getJsonObject(0).getString("id")).isEqualTo("m1");
    assertThat(s.stats().getJsonObject("statuses").getInteger("queued")).isEqualTo(1);

    // a later change is an event strictly after the snapshot's id
    submit("s");
    assertThat(BrokerEvent.isAfter(newestEventId(), s.eventId())).isTrue();
  }

  @Test
  @DisplayName("limits apply per status, newest first")
  void limits() {
    String first = submit("s").id();
    String second = submit("s").id();
    String third = submit("s").id();
    for (int i = 0; i < 3; i++) {
      await(store.cancel(submit("x").id()));
    }
    BrokerStore.Snapshot s = await(store.snapshot(2, 1));
    assertThat(s.jobs().stream().filter(j -> j.status().wire().equals("queued")).map(Job::id))
      .containsExactly(third, second).doesNotContain(first);
    assertThat(s.jobs().stream().filter(j -> j.status().wire().equals("cancelled"))).hasSize(1);
  }

  @Test
  @DisplayName("bad limits are INVALID naming the argument")
  void badLimits() {
    assertThat(refused(store.snapshot(0, 10), BrokerError.INVALID).field()).isEqualTo("active");
    assertThat(refused(store.snapshot(10, 5001), BrokerError.INVALID).field()).isEqualTo("finished");
  }
}
