package io.emp.bench.sim;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Random;

/**
 * The fleet simulator's connector (registered as {@code simfleet} in each simulated machine's
 * {@link io.emp.worker.connector.ConnectorRegistry}): runs a job of payload
 * {@code {"class": "<job class>", "model": "<model>"}} by drawing its duration from the class's
 * distribution (divided by the machine's speed), waiting first for the model's download when the
 * machine lacks it (the machine's {@link ModelDisk}), all in compressed time on Vert.x timers.
 * Advertises the machine's GPU and the models on its disk in its capability fragment.
 */
final class SimConnector implements Connector {
  private final SimMachine machine;
  private final ConnectorEnv env;
  private final Vertx vertx;
  private final Random random;

  SimConnector(SimMachine machine, ConnectorEnv env) {
    this.machine = machine;
    this.env = env;
    this.vertx = env.vertx();
    this.random = new Random(machine.seed() ^ env.workerId().hashCode());
  }

  @Override
  public String service() {
    return machine.group().service();
  }

  @Override
  public Future<JsonObject> capabilities() {
    return Future.succeededFuture(machine.capabilityFragment());
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    Scenario.JobClass c = machine.jobClass(job.payload().getString("class"));
    if (c == null) {
      return Future.succeededFuture(JobOutcome.failure("unknown job class " + job.payload().getString("class"), false));
    }
    String model = job.payload().getString("model");
    FleetClock clock = machine.clock();
    long now = clock.now();
    long runMs = Math.round(c.duration().sample(random) / machine.group().speed());
    ModelDisk.Acquired acquired = model == null ? null : machine.acquire(model, now);
    long waitMs = acquired == null ? 0 : acquired.waitMs(now);
    machine.executions().record(job.jobId(), new Executions.Execution(env.workerId(), model != null,
      acquired != null && acquired.warm(), waitMs, now));
    Run run = new Run(job, model, c, waitMs, runMs);
    machine.track(run);
    job.onCancel(() -> run.finish(JobOutcome.cancelled()));
    run.start();
    return run.promise.future();
  }

  /** One execution: download wait, then run time; finished once (done, cancelled or machine gone). */
  final class Run {
    private final JobContext job;
    private final String model;
    private final Scenario.JobClass jobClass;
    private final long waitMs;
    private final long runMs;
    final Promise<JobOutcome> promise = Promise.promise();
    private long timer = -1;
    private boolean done;

    Run(JobContext job, String model, Scenario.JobClass jobClass, long waitMs, long runMs) {
      this.job = job;
      this.model = model;
      this.jobClass = jobClass;
      this.waitMs = waitMs;
      this.runMs = runMs;
    }

    void start() {
      FleetClock clock = machine.clock();
      timer = vertx.setTimer(Math.max(1, clock.real(waitMs)),
        t -> timer = vertx.setTimer(Math.max(1, clock.real(runMs)), t2 -> complete()));
    }

    private void complete() {
      if (jobClass.failRate() > 0 && random.nextDouble() < jobClass.failRate()) {
        finish(JobOutcome.failure("simulated failure of class " + jobClass.name(), true));
      } else {
        finish(JobOutcome.success(new JsonObject().put("machine", machine.name()).put("worker", env.workerId())
          .put("model", model).put("download_wait_ms", waitMs).put("run_ms", runMs)));
      }
    }

    /** Ends the execution with {@code outcome} unless it has already ended. Safe from any thread. */
    synchronized void finish(JobOutcome outcome) {
      if (done) {
        return;
      }
      done = true;
      vertx.cancelTimer(timer);
      if (model != null) {
        machine.release(model);
      }
      machine.untrack(this);
      promise.tryComplete(outcome);
    }

    String jobId() {
      return job.jobId();
    }
  }
}
