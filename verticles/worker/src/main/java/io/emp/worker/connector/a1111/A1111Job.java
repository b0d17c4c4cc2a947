package io.emp.worker.connector.a1111;

import io.emp.core.LogSafe;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.http.BackendFailure;
import io.emp.worker.connector.rest.ContextHop;
import io.emp.worker.connector.rest.HttpCall;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation: {@code POST /sdapi/v1/txt2img|img2img} and, while it runs, {@code GET
 * /sdapi/v1/progress?skip_current_image=true} every {@code EMP_A1111_PROGRESS_MS} (one poll at a time),
 * reported as live progress (capped at 99 % until the images are there). The original connector only
 * polled after the POST had returned. Polling stops when the POST returns. Cancel (or the POST's own
 * timeout) interrupts A1111, whose POST then returns early. Lives on the context that called
 * {@link #start()}; cancel hooks hop onto it.
 */
final class A1111Job {
  private static final Logger LOG = LoggerFactory.getLogger(A1111Job.class);
  static final long INTERRUPT_TIMEOUT_MS = 3_000;

  private final A1111Connector connector;
  private final A1111Settings settings;
  private final JobContext job;
  private final A1111Payload payload;
  private final Vertx vertx;
  private final Promise<JobOutcome> outcome = Promise.promise();
  private HttpCall generation;
  private HttpCall poll;
  private long pollTimer = -1;
  private boolean finished;

  A1111Job(A1111Connector connector, A1111Settings settings, JobContext job, A1111Payload payload) {
    this.connector = connector;
    this.settings = settings;
    this.job = job;
    this.payload = payload;
    this.vertx = connector.vertx();
  }

  Future<JobOutcome> start() {
    Context context = vertx.getOrCreateContext();
    generation = connector.call(HttpMethod.POST, "/sdapi/v1/" + payload.mode(), payload.body(), settings.timeoutMs());
    generation.reply().onComplete(this::generated);
    job.onCancel(ContextHop.on(context, this::cancel));
    schedulePoll();
    return outcome.future();
  }

  private void schedulePoll() {
    if (!finished) {
      pollTimer = vertx.setTimer(settings.progressMs(), t -> poll());
    }
  }

  private void poll() {
    if (finished) {
      return;
    }
    long timeout = Math.max(2_000, settings.progressMs() * 4);
    poll = connector.call(HttpMethod.GET, "/sdapi/v1/progress?skip_current_image=true", null, timeout);
    poll.reply().onComplete(ar -> {
      if (finished) {
        return;
      }
      if (ar.succeeded() && ar.result().is2xx()) {
        report(ar.result());
      } else {
        LOG.debug("job {}: a1111 progress poll failed: {}", job.jobId(),
          LogSafe.of(ar.failed() ? ar.cause().getMessage() : "HTTP " + ar.result().status()));
      }
      schedulePoll();
    });
  }

  /** {@code {"progress": 0..1, "eta_relative": s, "state": {"sampling_step", "sampling_steps", "job_no", "job_count"}}}. */
  private void report(HttpCall.Reply reply) {
    JsonObject p;
    try {
      p = new JsonObject(reply.body());
    } catch (DecodeException | ClassCastException e) {
      LOG.debug("job {}: a1111 progress answer is not a JSON object", job.jobId());
      return;
    }
    if (!(p.getValue("progress") instanceof Number fraction) || fraction.doubleValue() <= 0) {
      return; // A1111 has not started this generation yet (or answers for nothing running)
    }
    job.progress(Math.min(99, fraction.doubleValue() * 100), message(p));
  }

  private static String message(JsonObject p) {
    JsonObject state = p.getValue("state") instanceof JsonObject s ? s : new JsonObject();
    StringBuilder sb = new StringBuilder();
    if (state.getValue("sampling_steps") instanceof Number steps && steps.intValue() > 0) {
      sb.append("step ").append(state.getValue("sampling_step")).append('/').append(steps.intValue());
    }
    if (state.getValue("job_count") instanceof Number count && count.intValue() > 1) {
      int no = state.getValue("job_no") instanceof Number n ? n.intValue() : 0;
      sb.append(sb.length() > 0 ? ", " : "").append("image ").append(Math.min(no + 1, count.intValue()))
        .append('/').append(count.intValue());
    }
    if (p.getValue("eta_relative") instanceof Number eta && eta.doubleValue() > 0) {
      sb.append(sb.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "ETA %.1f s", eta.doubleValue()));
    }
    return sb.length() == 0 ? "generating" : sb.toString();
  }

  private void generated(AsyncResult<HttpCall.Reply> ar) {
    if (finished) {
      return;
    }
    stopPolling();
    String what = "a1111 " + payload.mode();
    if (ar.failed() && ar.cause() instanceof TimeoutException) {
      // A1111 is still generating: free the GPU before the slot takes the next job
      interrupt().onComplete(x -> outcome.tryComplete(BackendFailure.fromThrowable(what, ar.cause())));
    } else if (ar.failed()) {
      outcome.tryComplete(BackendFailure.fromThrowable(what, ar.cause()));
    } else if (!ar.result().is2xx()) {
      outcome.tryComplete(BackendFailure.fromStatus(what, ar.result().status(), ar.result().text()));
    } else {
      outcome.tryComplete(result(what, ar.result()));
    }
  }

  /** {@code {"images": [base64…], "parameters": {...}, "info": {...}}}; {@code info}, a JSON string in A1111, is parsed. */
  private JobOutcome result(String what, HttpCall.Reply reply) {
    JsonObject r;
    try {
      r = new JsonObject(reply.body());
    } catch (DecodeException | ClassCastException e) {
      return JobOutcome.failure(what + ": malformed answer (not a JSON object)", true);
    }
    if (!(r.getValue("images") instanceof JsonArray images)) {
      return JobOutcome.failure(what + ": malformed answer (no images array)", true);
    }
    job.progress(100, images.size() + " image(s)");
    return JobOutcome.success(new JsonObject()
      .put("images", images)
      .put("parameters", r.getValue("parameters"))
      .put("info", info(r.getValue("info"))));
  }

  private static Object info(Object info) {
    if (info instanceof String s && s.startsWith("{")) {
      try {
        return new JsonObject(s);
      } catch (DecodeException e) {
        return s;
      }
    }
    return info;
  }

  /** Interrupts A1111, then ends the job cancelled (also when the interrupt fails: the POST times out anyway). */
  private void cancel() {
    if (finished) {
      return;
    }
    stopPolling();
    interrupt().onComplete(ar -> {
      outcome.tryComplete(JobOutcome.cancelled());
      generation.abort();
    });
  }

  private Future<HttpCall.Reply> interrupt() {
    return connector.call(HttpMethod.POST, "/sdapi/v1/interrupt", null, INTERRUPT_TIMEOUT_MS).reply()
      .onFailure(e -> LOG.warn("job {}: a1111 interrupt failed: {}", job.jobId(), e.getMessage()));
  }

  private void stopPolling() {
    finished = true;
    vertx.cancelTimer(pollTimer);
    if (poll != null) {
      poll.abort();
    }
  }
}
