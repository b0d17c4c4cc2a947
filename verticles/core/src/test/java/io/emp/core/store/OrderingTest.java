package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OrderingTest extends StoreTestBase {

  private List<String> drain(String worker, int n) {
    List<String> order = new ArrayList<>();
    for (ClaimedJob c : claim(worker, n)) {
      order.add(c.id());
    }
    return order;
  }

  @Test
  @DisplayName("higher priority first, priority 0 is a legal lowest priority")
  void priorityOrder() {
    String p0 = submit(new JsonObject().put("service", "s").put("priority", 0)).id();
    String p50 = submit(new JsonObject().put("service", "s")).id();
    String p100 = submit(new JsonObject().put("service", "s").put("priority", 100)).id();
    String p75 = submit(new JsonObject().put("service", "s").put("priority", 75)).id();
    register("w", caps("s"), 10, null);
    assertThat(drain("w", 10)).containsExactly(p100, p75, p50, p0);
    assertThat(await(store.getJob(p0)).priority()).isZero();
  }

  @Test
  @DisplayName("FIFO within one priority, also for jobs submitted in the same millisecond")
  void fifoWithinMillisecond() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(submit("s").id());
    }
    register("w", caps("s"), 50, null);
    assertThat(drain("w", 50)).containsExactlyElementsOf(ids);
  }

  @Test
  @DisplayName("workflow priority overrides the job priority and an older workflow datetime goes first")
  void workflowPriorityAndDatetime() {
    long now = System.currentTimeMillis();
    String plain90 = submit(new JsonObject().put("service", "s").put("priority", 90)).id();
    String wfNew = submit(new JsonObject().put("service", "s").put("priority", 10).put("workflow_id", "b")
      .put("workflow_priority", 95).put("workflow_datetime", now - 1_000)).id();
    String wfOld = submit(new JsonObject().put("service", "s").put("priority", 10).put("workflow_id", "a")
      .put("workflow_priority", 95).put("workflow_datetime", now - 60_000)).id();
    String step2 = submit(new JsonObject().put("service", "s").put("workflow_id", "a").put("step_number", 2)
      .put("workflow_priority", 95).put("workflow_datetime", now - 60_000)).id();
    register("w", caps("s"), 10, null);
    assertThat(drain("w", 10)).containsExactly(wfOld, step2, wfNew, plain90);
  }

  @Test
  @DisplayName("the best job wins across signatures and customers")
  void bestAcrossBuckets() {
    String low = submit(new JsonObject().put("service", "s").put("priority", 20).put("customer_id", "a")).id();
    String high = submit(new JsonObject().put("service", "s").put("priority", 80).put("customer_id", "b")
      .put("requirements", new JsonObject().put("hardware", new JsonObject().put("ram_gb", 8)))).id();
    String mid = submit(new JsonObject().put("service", "s").put("priority", 50)).id();
    register("w", new JsonObject("{\"services\":[\"s\"],\"hardware\":{\"ram_gb\":16}}"), 10, null);
    assertThat(drain("w", 10)).containsExactly(high, mid, low);
  }

  @Test
  @DisplayName("a requeued job keeps its place: a retry does not sink behind newer jobs")
  void requeueKeepsScore() {
    String first = submit("s").id();
    register("w", caps("s"), 1, null);
    ClaimedJob c = claimOne("w");
    submit("s");
    await(store.release(c.id(), "w", c.token(), "test"));
    assertThat(claimOne("w").id()).isEqualTo(first);
  }
}
