package io.emp.worker.connector.simulation;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;

/**
 * The {@code simulation} connector: a job takes {@code duration_ms}, reports {@code steps} evenly
 * spaced progress updates on Vert.x timers (never blocking), and fails (retryably) when
 * {@code fail} is true or with probability {@code fail_rate}. A failing job fails at the time its
 * last step would have been reached, without reporting 100 %. An invalid payload is a
 * non-retryable failure. Cancellation cancels the pending timer and ends the job at once.
 */
public final class SimulationConnector implements Connector {
  private final SimulationSettings settings;
  private final Vertx vertx;
  private final String workerId;
  private final Random random;

  public SimulationConnector(SimulationSettings settings, ConnectorEnv env) {
    this.settings = settings;
    this.vertx = env.vertx();
    this.workerId = env.workerId();
    this.random = settings.seed() == null ? new Random() : new Random(settings.seed() + env.workerIndex());
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<JsonObject> capabilities() {
    return Future.succeededFuture(new JsonObject()
      .put("models", new JsonObject().put(settings.service(), new JsonArray(settings.models()))));
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    SimulationPayload.Parsed parsed = SimulationPayload.parse(job.payload(), settings);
    if (parsed.problem() != null) {
      return Future.succeededFuture(JobOutcome.failure(parsed.problem(), false));
    }
    SimulationPayload spec = parsed.payload();
    boolean fail = spec.fail() || (spec.failRate() > 0 && random.nextDouble() < spec.failRate());
    return new Run(job, spec, fail).start();
  }

  /** One simulated job: a chain of timers, one per step. */
  private final class Run {
    private final JobContext job;
    private final SimulationPayload spec;
    private final boolean fail;
    private final Promise<JobOutcome> outcome = Promise.promise();
    private final int steps;
    private long timerId = -1;

    Run(JobContext job, SimulationPayload spec, boolean fail) {
      this.job = job;
      this.spec = spec;
      this.fail = fail;
      this.steps = Math.max(1, spec.steps());
    }

    Future<JobOutcome> start() {
      job.onCancel(() -> {
        vertx.cancelTimer(timerId);
        outcome.tryComplete(JobOutcome.cancelled());
      });
      schedule(1);
      return outcome.future();
    }

    /** Arms the timer of step {@code i} (1-based), due at {@code i/steps} of the duration. */
    private void schedule(int i) {
      if (job.isCancelled()) {
        return;
      }
      long delay = offset(i) - offset(i - 1);
      timerId = vertx.setTimer(Math.max(1, delay), t -> step(i));
    }

    private void step(int i) {
      if (outcome.future().isComplete()) {
        return;
      }
      if (i < steps) {
        report(i);
        schedule(i + 1);
      } else if (fail) {
        outcome.tryComplete(JobOutcome.failure("simulated failure of job " + job.jobId() + " (attempt "
          + job.attempt() + ")", true));
      } else {
        report(i);
        outcome.tryComplete(JobOutcome.success(result()));
      }
    }

    private void report(int i) {
      if (spec.steps() > 0) {
        job.progress(100.0 * i / steps, "step " + i + "/" + steps);
      }
    }

    private long offset(int i) {
      return Math.round((double) spec.durationMs() * i / steps);
    }

    private JsonObject result() {
      JsonObject result = new JsonObject()
        .put("ok", true)
        .put("service", settings.service())
        .put("worker", workerId)
        .put("attempt", job.attempt())
        .put("steps", spec.steps())
        .put("duration_ms", spec.durationMs())
        .put("data", "x".repeat(spec.resultBytes()));
      if (!settings.models().isEmpty()) {
        result.put("model", settings.models().get(0));
      }
      return result;
    }
  }
}
