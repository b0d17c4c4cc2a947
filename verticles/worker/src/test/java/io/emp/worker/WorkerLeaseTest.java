package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Shutdown, lost leases and a broker that forgot the worker. */
class WorkerLeaseTest extends WorkerTestBase {

  /** Expires the job's lease and lets the reaper requeue it, then another worker claims it. */
  private ClaimedJob stealLease(String jobId) {
    await(redis.send(Request.cmd(Command.ZADD).arg(keys.prefix() + "leases").arg("XX").arg("0").arg(jobId)));
    assertThat(await(store.reap(100)).requeued()).isEqualTo(1);
    await(store.registerWorker("thief", "m2", WorkerCapabilities.of("simulation"), 1, 60_000L));
    List<ClaimedJob> got = await(store.claim("thief", 1, false));
    assertThat(got).extracting(ClaimedJob::id).containsExactly(jobId);
    return got.get(0);
  }

  @Test
  @DisplayName("a graceful stop releases a long-running job to the queue without burning an attempt, and the worker leaves")
  void gracefulStopReleases() {
    Deployed d = deploy(env("EMP_SHUTDOWN_GRACE_MS", "300"));
    String id = submit(new JsonObject().put("duration_ms", 60_000).put("steps", 60));
    awaitStatus(id, JobStatus.RUNNING, 10_000);

    undeploy(d.id());

    Job job = job(id);
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.failures()).isZero();
    assertThat(job.losses()).isZero();
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(events(id, "job.queued")).extracting(e -> e.get("reason")).containsExactly("shutdown");
    JsonObject w = workerInfo(d.worker());
    assertThat(w.getString("state")).isEqualTo("left");
    // emp_workers encodes an empty job list as {} (cjson cannot tell an empty array from an empty object)
    Object jobs = w.getValue("jobs");
    assertThat(jobs instanceof JsonArray a ? a.isEmpty() : ((JsonObject) jobs).isEmpty()).as("jobs %s", jobs).isTrue();
    assertThat(w.getBoolean("idle")).isFalse();
  }

  @Test
  @DisplayName("a graceful stop lets a job that finishes within the grace period complete")
  void gracefulStopDrains() {
    Deployed d = deploy(env("EMP_SHUTDOWN_GRACE_MS", "10000"));
    String id = submit(new JsonObject().put("duration_ms", 700).put("steps", 2));
    awaitStatus(id, JobStatus.RUNNING, 10_000);

    undeploy(d.id());

    assertThat(job(id).status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(workerInfo(d.worker()).getString("state")).isEqualTo("left");
  }

  @Test
  @DisplayName("a job completing after its lease was lost is FENCED; the worker drops the result and keeps working")
  void fencedCompletion() {
    // Heartbeats 5 s apart: the job (1.5 s) ends before a heartbeat could report the loss.
    Deployed d = deploy(env("EMP_HEARTBEAT_MS", "5000", "EMP_LEASE_MS", "15000"));
    String id = submit(new JsonObject().put("duration_ms", 1500).put("steps", 1));
    awaitStatus(id, JobStatus.RUNNING, 10_000);
    ClaimedJob stolen = stealLease(id);

    until("the worker's completion was fenced", 10_000, () -> "1".equals(counter("fenced")));
    Job job = job(id);
    assertThat(job.status()).isEqualTo(JobStatus.ASSIGNED);
    assertThat(job.worker()).isEqualTo("thief");
    assertThat(job.token()).isEqualTo(stolen.token());
    assertThat(job.result()).isNull();
    assertThat(events(id, "job.completed")).isEmpty();

    String next = submit(new JsonObject().put("duration_ms", 10));
    awaitStatus(next, JobStatus.COMPLETED, 10_000);
    assertThat(new JsonObject(job(next).result()).getString("worker")).isEqualTo(d.worker());
  }

  @Test
  @DisplayName("a lease reported lost by the heartbeat aborts the local execution without reporting")
  void lostByHeartbeat() {
    double lostBefore = WorkerMetrics.INSTANCE.jobs("simulation", "lost");
    Deployed d = deploy(env("EMP_HEARTBEAT_MS", "100", "EMP_LEASE_MS", "1000"));
    String id = submit(new JsonObject().put("duration_ms", 20_000).put("steps", 1));
    awaitStatus(id, JobStatus.RUNNING, 10_000);
    stealLease(id);

    until("the worker aborted the job", 10_000,
      () -> WorkerMetrics.INSTANCE.jobs("simulation", "lost") > lostBefore);
    // Its slot is free again long before the 20 s job would have ended.
    String next = submit(new JsonObject().put("duration_ms", 10));
    awaitStatus(next, JobStatus.COMPLETED, 10_000);
    assertThat(new JsonObject(job(next).result()).getString("worker")).isEqualTo(d.worker());
    Job job = job(id);
    assertThat(job.worker()).isEqualTo("thief");
    assertThat(job.status()).isEqualTo(JobStatus.ASSIGNED);
    assertThat(counter("fenced")).as("nothing was reported for the lost job").isNull();
  }

  @Test
  @DisplayName("a worker the broker no longer knows (UNKNOWN_WORKER on heartbeat) registers again")
  void reRegisters() {
    Deployed d = deploy(env("EMP_HEARTBEAT_MS", "100", "EMP_LEASE_MS", "1000", "EMP_CLAIM_POLL_MS", "30000"));
    long firstRegistration = workerInfo(d.worker()).getLong("registered_at");
    assertThat(await(store.deregister(d.worker()))).isZero();
    assertThat(workerInfo(d.worker()).getString("state")).isEqualTo("left");

    until("the worker is registered again", 10_000, () -> "active".equals(workerInfo(d.worker()).getString("state")));
    assertThat(workerInfo(d.worker()).getLong("registered_at")).isGreaterThanOrEqualTo(firstRegistration);
    String id = submit(new JsonObject().put("duration_ms", 10));
    awaitStatus(id, JobStatus.COMPLETED, 10_000);
  }

  @Test
  @DisplayName("after the worker's registry entry is deleted outright it registers again and works")
  void reRegistersAfterFlush() {
    Deployed d = deploy(env("EMP_HEARTBEAT_MS", "100", "EMP_LEASE_MS", "1000"));
    String running = submit(new JsonObject().put("duration_ms", 20_000));
    awaitStatus(running, JobStatus.RUNNING, 10_000);
    // What a FLUSHALL does to this worker: its hash is gone.
    await(redis.send(Request.cmd(Command.DEL).arg(keys.prefix() + "worker:" + d.worker())));

    until("the worker is registered again", 10_000, () -> {
      JsonObject w = workerInfo(d.worker());
      return w != null && "active".equals(w.getString("state"));
    });
    // Registration requeued the job its previous incarnation held; the worker runs it again.
    // losses is 1 as soon as the registration requeued the job; the claim takes two more round trips
    until("the job ran again", 10_000, () -> job(running).losses() == 1 && d.worker().equals(job(running).worker()));
    assertThat(job(running).status()).isIn(JobStatus.ASSIGNED, JobStatus.RUNNING);
  }
}
