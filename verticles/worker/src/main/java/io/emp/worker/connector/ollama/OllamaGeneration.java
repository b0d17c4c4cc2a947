package io.emp.worker.connector.ollama;

import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * One streamed {@code /api/generate} or {@code /api/chat} answer, chunk by chunk: accumulates the text
 * ({@code response}, or {@code message.content} with its {@code thinking} and {@code tool_calls}),
 * reports token progress, and builds the result from the final {@code done: true} chunk and its stats.
 *
 * <p>Progress: one chunk is about one token. With {@code options.num_predict} it is the share of that
 * budget (at most 99 % before {@code done}); without, a curve that grows with every token and never
 * reaches 95 %. A pull before the generation owns the start of the range ({@code from}).
 */
final class OllamaGeneration {
  static final List<String> STATS = List.of("total_duration", "load_duration", "prompt_eval_count",
    "prompt_eval_duration", "eval_count", "eval_duration");
  private static final List<String> PERMANENT = List.of("not found", "does not support", "bad request",
    "cannot unmarshal", "invalid character", "invalid option");

  private final OllamaRequest request;
  private final JobContext job;
  private final double from;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder thinking = new StringBuilder();
  private final JsonArray toolCalls = new JsonArray();
  private long tokens;

  OllamaGeneration(OllamaRequest request, JobContext job, double from) {
    this.request = request;
    this.job = job;
    this.from = from;
  }

  /** The outcome when this chunk ends the stream ({@code done} or {@code error}), else null. */
  JobOutcome onChunk(JsonObject chunk) {
    Object error = chunk.getValue("error");
    if (error != null) {
      String message = String.valueOf(error instanceof JsonObject o ? o.getValue("message", o.encode()) : error);
      return JobOutcome.failure("ollama: " + message, !isPermanent(message));
    }
    JsonObject source = request.chat() ? object(chunk, "message") : chunk;
    String piece = string(source, request.chat() ? "content" : "response");
    String thought = string(source, "thinking");
    Object calls = source == null ? null : source.getValue("tool_calls");
    if (calls instanceof JsonArray a) {
      toolCalls.addAll(a);
    }
    boolean produced = !piece.isEmpty() || !thought.isEmpty() || calls instanceof JsonArray;
    text.append(piece);
    thinking.append(thought);
    if (Boolean.TRUE.equals(chunk.getValue("done"))) {
      job.progress(100, "done: " + tokens + " tokens");
      return JobOutcome.success(result(chunk));
    }
    if (produced) {
      tokens++;
      job.progress(from + (100 - from) * share() / 100, tokens + " tokens");
    }
    return null;
  }

  /** The stream ended without {@code done}: cut, retryable. */
  JobOutcome onEnd() {
    return JobOutcome.failure("ollama: the stream ended before done (after " + tokens + " tokens)", true);
  }

  /** Errors another attempt cannot fix: an unknown model, a feature the model lacks, a malformed request. */
  static boolean isPermanent(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return PERMANENT.stream().anyMatch(m::contains);
  }

  /** 0–99 within the generation: budget share with num_predict, else an unbounded curve below 95. */
  private double share() {
    if (request.numPredict() != null) {
      return Math.min(99, 100.0 * tokens / request.numPredict());
    }
    return 95.0 * tokens / (tokens + 100);
  }

  private JsonObject result(JsonObject last) {
    JsonObject result = new JsonObject().put("model", last.getValue("model") instanceof String m ? m : request.model());
    if (request.chat()) {
      JsonObject message = new JsonObject().put("role", "assistant").put("content", text.toString());
      if (!thinking.isEmpty()) {
        message.put("thinking", thinking.toString());
      }
      if (!toolCalls.isEmpty()) {
        message.put("tool_calls", toolCalls);
      }
      result.put("message", message);
    } else {
      result.put("response", text.toString());
      if (!thinking.isEmpty()) {
        result.put("thinking", thinking.toString());
      }
    }
    result.put("done_reason", last.getValue("done_reason") instanceof String r ? r : "stop");
    JsonObject stats = new JsonObject();
    STATS.forEach(k -> {
      if (last.getValue(k) instanceof Number n) {
        stats.put(k, n.longValue());
      }
    });
    return result.put("stats", stats);
  }

  private static JsonObject object(JsonObject o, String key) {
    return o.getValue(key) instanceof JsonObject j ? j : null;
  }

  private static String string(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof String s ? s : "";
  }
}
