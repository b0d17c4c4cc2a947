package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The error codes of the fenced functions and reads, one by one (the rest are covered where they occur). */
class ReturnCodesTest extends StoreTestBase {
  private static final String NO_JOB = "01JD0000000000000000000000";

  @Test
  @DisplayName("fail, release and progress: unknown job, unknown worker, stale token")
  void fencedFunctions() {
    String id = submit("s").id();
    register("w", caps("s"));
    ClaimedJob c = claimOne("w");
    refused(store.fail(NO_JOB, "w", c.token(), "x", true), BrokerError.NOT_FOUND);
    refused(store.fail(id, "ghost", c.token(), "x", true), BrokerError.UNKNOWN_WORKER);
    refused(store.fail(id, "w", "0.0", "x", true), BrokerError.FENCED);
    refused(store.release(NO_JOB, "w", c.token(), ""), BrokerError.NOT_FOUND);
    refused(store.release(id, "ghost", c.token(), ""), BrokerError.UNKNOWN_WORKER);
    refused(store.release(id, "w", "0.0", ""), BrokerError.FENCED);
    refused(store.progress(NO_JOB, "w", c.token(), 1, ""), BrokerError.NOT_FOUND);
    refused(store.progress(id, "ghost", c.token(), 1, ""), BrokerError.UNKNOWN_WORKER);
    refused(store.progress(id, "w", "0.0", 1, ""), BrokerError.FENCED);
    refused(store.progress(id, "w", c.token(), -1, ""), BrokerError.INVALID);
    assertThat(status(id)).isEqualTo("assigned");
    assertThat(await(store.release(id, "w", c.token(), "shutdown")).wire()).isEqualTo("queued");
  }

  @Test
  @DisplayName("reads: an unknown job id is NOT_FOUND, never a Lua error")
  void reads() {
    BrokerException e = refused(store.getJob(NO_JOB), BrokerError.NOT_FOUND);
    assertThat(e.field()).isEqualTo("job");
    assertThat(e.getMessage()).contains(NO_JOB);
  }

  @Test
  @DisplayName("register: invalid worker id, machine id, slots and lease are named")
  void registerValidation() {
    var caps = io.emp.core.model.WorkerCapabilities.of("s");
    assertThat(refused(store.registerWorker("bad id", "m", caps, 1, null), BrokerError.INVALID).field()).isEqualTo("worker_id");
    assertThat(refused(store.registerWorker("w", "", caps, 1, null), BrokerError.INVALID).field()).isEqualTo("machine_id");
    assertThat(refused(store.registerWorker("w", "m", caps, 0, null), BrokerError.INVALID).field()).isEqualTo("slots");
    assertThat(refused(store.registerWorker("w", "m", caps, 1, 5L), BrokerError.INVALID).field()).isEqualTo("lease_ms");
    assertThat(namespaceKeys()).isEmpty();
  }
}
