package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobStatus;
import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WorkerUpdateTest extends StoreTestBase {

  @Test
  @DisplayName("a withdrawn service is not claimed or woken for; its held jobs are untouched; restoring brings it back")
  void withdrawAndRestore() {
    register("w", caps("comfyui", "ollama"), 2, null);
    String held = submit("comfyui").id();
    ClaimedJob c = claimOne("w");
    assertThat(c.id()).isEqualTo(held);
    await(store.updateWorker("w", WorkerCapabilities.of("ollama"),
      new JsonObject().put("comfyui", new JsonObject().put("status", "down").put("detail", "connection refused"))));
    String waiting = submit("comfyui").id();
    assertThat(await(store.claim("w", 1, true))).isEmpty();
    assertThat(cmd("LLEN", keys.workerWake("w")).toLong()).isZero();
    assertThat(status(held)).isEqualTo("assigned");
    await(store.complete(held, "w", c.token(), "{}"));
    assertThat(await(store.stats()).getInteger("unrunnable_jobs")).isEqualTo(1);

    var w = await(store.workers(null)).getJsonObject(0);
    assertThat(w.getJsonArray("services")).containsExactly("ollama");
    assertThat(w.getJsonObject("connectors").getJsonObject("comfyui").getString("status")).isEqualTo("down");

    await(store.updateWorker("w", WorkerCapabilities.of("comfyui", "ollama"),
      new JsonObject().put("comfyui", new JsonObject().put("status", "up"))));
    assertThat(claimOne("w").id()).isEqualTo(waiting);
    long updates = cmd("XRANGE", keys.events(), "-", "+").stream()
      .filter(e -> e.get(1).toString().contains("worker.updated")).count();
    assertThat(updates).isEqualTo(2);
  }

  @Test
  @DisplayName("a worker with no healthy backend may hold no services; unknown workers and bad documents are refused")
  void emptyAndErrors() {
    register("w", caps("comfyui"));
    await(store.updateWorker("w", WorkerCapabilities.of(), null));
    submit("comfyui");
    assertThat(claim("w", 1)).isEmpty();
    refused(store.updateWorker("ghost", WorkerCapabilities.of("x"), null), BrokerError.UNKNOWN_WORKER);
    BrokerException e = refused(store.updateWorker("w", new WorkerCapabilities(
      new JsonObject("{\"services\":[\"x\"],\"pool\":5}")), null), BrokerError.INVALID);
    assertThat(e.field()).isEqualTo("capabilities.pool");
  }

  @Test
  @DisplayName("a failure with reason timeout that ends the job is recorded as timeout")
  void timeoutReason() {
    String id = submit(new JsonObject().put("service", "s").put("max_attempts", 1)).id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    assertThat(await(store.fail(id, "w", c.token(), "timed out after 5 s", true, "timeout")).status())
      .isEqualTo(JobStatus.FAILED);
    assertThat(await(store.getJob(id)).failReason()).isEqualTo("timeout");
  }
}
