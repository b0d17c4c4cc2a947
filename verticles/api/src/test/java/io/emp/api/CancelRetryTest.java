package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobStatus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CancelRetryTest extends ApiTestBase {

  @Test
  @DisplayName("cancelling a queued job cancels it at once")
  void cancelQueued() {
    String id = submit("s");
    HttpResponse<Buffer> r = post("/api/jobs/" + id + "/cancel");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("id", id).put("status", "cancelled"));
    assertThat(job(id).getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("cancelling a running job requests it; the worker's report then makes it cancelled")
  void cancelRunning() {
    String id = submit("s");
    registerWorker("m1-worker-0", "m1", "s");
    ClaimedJob c = claimOne("m1-worker-0");
    await(store.progress(id, "m1-worker-0", c.token(), 10, null));

    HttpResponse<Buffer> r = post("/api/jobs/" + id + "/cancel");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("cancel_requested");
    JsonObject requested = job(id);
    assertThat(requested.getString("status")).isEqualTo("running");
    assertThat(requested.getBoolean("cancel_requested")).isTrue();
    assertThat(post("/api/jobs/" + id + "/cancel").bodyAsJsonObject().getString("status"))
      .as("repeating the request is harmless").isEqualTo("cancel_requested");

    assertThat(await(store.progress(id, "m1-worker-0", c.token(), 20, null))).as("the worker is told").isTrue();
    var failed = await(store.fail(id, "m1-worker-0", c.token(), "interrupted", true));
    assertThat(failed.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(job(id).getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("retrying a failed job queues it again with its attempts reset")
  void retryFailed() {
    String id = submit(new JsonObject().put("service", "s").put("max_attempts", 1));
    registerWorker("m1-worker-0", "m1", "s");
    ClaimedJob c = claimOne("m1-worker-0");
    await(store.fail(id, "m1-worker-0", c.token(), "out of memory", true));
    assertThat(job(id).getString("status")).isEqualTo("failed");

    HttpResponse<Buffer> r = post("/api/jobs/" + id + "/retry");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("id", id).put("status", "queued"));
    JsonObject job = job(id);
    assertThat(job.getString("status")).isEqualTo("queued");
    assertThat(job.getInteger("attempt")).isEqualTo(1);
    assertThat(claimOne("m1-worker-0").id()).as("claimable again").isEqualTo(id);
  }

  @Test
  @DisplayName("retrying a cancelled job queues it again")
  void retryCancelled() {
    String id = submit("s");
    post("/api/jobs/" + id + "/cancel");
    assertThat(post("/api/jobs/" + id + "/retry").statusCode()).isEqualTo(200);
    assertThat(job(id).getString("status")).isEqualTo("queued");
  }
}
