package io.emp.worker.connector.ollama;

import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One streamed {@code POST /api/pull}: the {@code completed}/{@code total} bytes of every layer
 * ({@code digest}) summed into one percentage, reported as job progress ({@code "pulling llama3.2 45%"})
 * scaled into {@code 0..upTo} of the job. Ends with {@code status: "success"}; an {@code error} line is a
 * permanent failure naming the model (the model does not exist or cannot be fetched).
 */
final class OllamaPull {
  private final String model;
  private final JobContext job;
  private final double upTo;
  private final Map<String, long[]> layers = new LinkedHashMap<>();

  OllamaPull(String model, JobContext job, double upTo) {
    this.model = model;
    this.job = job;
    this.upTo = upTo;
  }

  /** A success when the model is pulled, a failure on an error line, else null (go on). */
  JobOutcome onLine(JsonObject line) {
    Object error = line.getValue("error");
    if (error != null) {
      return failed(String.valueOf(error));
    }
    String status = line.getValue("status") instanceof String s ? s : "";
    if ("success".equals(status)) {
      job.progress(upTo, "pulled " + model);
      return JobOutcome.success(new JsonObject().put("pulled", model));
    }
    if (line.getValue("digest") instanceof String digest && line.getValue("total") instanceof Number total) {
      long done = line.getValue("completed") instanceof Number c ? c.longValue() : 0;
      layers.put(digest, new long[] {done, total.longValue()});
    }
    int pct = percent();
    job.progress(upTo * pct / 100.0, "pulling " + model + " " + pct + "%");
    return null;
  }

  /** The pull stream ended without success: cut, retryable. */
  JobOutcome onEnd() {
    return JobOutcome.failure("ollama: the pull of model " + model + " ended before success", true);
  }

  /** A permanent failure naming the model: the pull was refused or failed. */
  JobOutcome failed(String why) {
    return JobOutcome.failure("ollama could not pull model " + model + ": " + why, false);
  }

  int percent() {
    long done = 0;
    long total = 0;
    for (long[] l : layers.values()) {
      done += Math.min(l[0], l[1]);
      total += l[1];
    }
    return total <= 0 ? 0 : (int) Math.min(100, done * 100 / total);
  }
}
