package io.emp.worker.connector.openai;

import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * One streamed chat completion, chunk by chunk ({@code chat.completion.chunk}): accumulates every
 * choice's {@code delta.content} (and {@code refusal}, {@code reasoning_content}, {@code tool_calls}
 * merged by index), keeps {@code finish_reason} and {@code usage} (sent when the request asks for
 * {@code stream_options.include_usage}), and reports token progress: one content delta is about one
 * token; with a token budget the share of it (at most 99 % before {@code [DONE]}), else a curve that
 * grows with every token and never reaches 95 %.
 */
final class ChatStream {
  private final OpenAiRequest request;
  private final JobContext job;
  private final Map<Integer, Choice> choices = new TreeMap<>();
  private String model;
  private String id;
  private JsonObject usage;
  private long tokens;

  /** What one choice has said so far. */
  private static final class Choice {
    final StringBuilder content = new StringBuilder();
    final StringBuilder refusal = new StringBuilder();
    final StringBuilder reasoning = new StringBuilder();
    final Map<Integer, JsonObject> toolCalls = new TreeMap<>();
    String finishReason;
  }

  ChatStream(OpenAiRequest request, JobContext job) {
    this.request = request;
    this.job = job;
    this.model = request.model();
  }

  /** A failure when the chunk is an error, else null (go on). */
  JobOutcome onChunk(JsonObject chunk) {
    if (chunk.getValue("error") != null) {
      return OpenAiErrors.inStream(chunk.getValue("error"));
    }
    model = chunk.getValue("model") instanceof String m && !m.isBlank() ? m : model;
    id = chunk.getValue("id") instanceof String s ? s : id;
    usage = chunk.getValue("usage") instanceof JsonObject u ? u : usage;
    boolean produced = false;
    if (chunk.getValue("choices") instanceof JsonArray list) {
      for (Object o : list) {
        produced |= o instanceof JsonObject c && add(c);
      }
    }
    if (produced) {
      tokens++;
      double share = request.budget() != null ? Math.min(99, 100.0 * tokens / request.budget()) : 95.0 * tokens / (tokens + 100);
      job.progress(share, tokens + " tokens");
    }
    return null;
  }

  /** {@code data: [DONE]}: the completion. */
  JobOutcome onDone() {
    job.progress(100, "done: " + tokens + " tokens");
    return JobOutcome.success(result());
  }

  /**
   * A whole {@code chat.completion} (a server that does not stream): read as if its messages had been
   * streamed as one delta each.
   */
  JobOutcome onCompletion(JsonObject completion) {
    if (completion.getValue("choices") instanceof JsonArray list) {
      JsonArray asDeltas = new JsonArray();
      list.stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast).forEach(c -> asDeltas.add(c.copy()
        .put("delta", c.getValue("message") instanceof JsonObject m ? m : new JsonObject())));
      completion = completion.copy().put("choices", asDeltas);
    }
    JobOutcome failed = onChunk(completion);
    return failed != null ? failed : onDone();
  }

  /** The stream ended without {@code [DONE]}: cut, retryable. */
  JobOutcome onEnd() {
    return JobOutcome.failure("openai: the stream ended without [DONE] (after " + tokens + " tokens)", true);
  }

  private boolean add(JsonObject c) {
    Choice choice = choices.computeIfAbsent(c.getValue("index") instanceof Number n ? n.intValue() : 0, i -> new Choice());
    if (c.getValue("finish_reason") instanceof String f) {
      choice.finishReason = f;
    }
    if (!(c.getValue("delta") instanceof JsonObject delta)) {
      return false;
    }
    boolean produced = append(choice.content, delta, "content") | append(choice.refusal, delta, "refusal")
      | append(choice.reasoning, delta, "reasoning_content");
    if (delta.getValue("tool_calls") instanceof JsonArray calls) {
      calls.stream().filter(JsonObject.class::isInstance).forEach(call -> mergeToolCall(choice, (JsonObject) call));
      produced = true;
    }
    return produced;
  }

  private static boolean append(StringBuilder to, JsonObject delta, String key) {
    if (delta.getValue(key) instanceof String s && !s.isEmpty()) {
      to.append(s);
      return true;
    }
    return false;
  }

  /** Tool calls arrive in pieces: the first names id, type and function; later ones append arguments. */
  private static void mergeToolCall(Choice choice, JsonObject part) {
    int index = part.getValue("index") instanceof Number n ? n.intValue() : choice.toolCalls.size();
    JsonObject call = choice.toolCalls.computeIfAbsent(index, i -> new JsonObject().put("type", "function")
      .put("function", new JsonObject().put("name", "").put("arguments", "")));
    if (part.getValue("id") instanceof String s) {
      call.put("id", s);
    }
    if (part.getValue("type") instanceof String s) {
      call.put("type", s);
    }
    if (part.getValue("function") instanceof JsonObject f) {
      JsonObject into = call.getJsonObject("function");
      for (String key : new String[] {"name", "arguments"}) {
        if (f.getValue(key) instanceof String s) {
          into.put(key, into.getString(key) + s);
        }
      }
    }
  }

  private JsonObject result() {
    Choice first = choices.isEmpty() ? new Choice() : choices.values().iterator().next();
    JsonObject result = describe(first).put("model", model);
    if (id != null) {
      result.put("id", id);
    }
    if (usage != null) {
      result.put("usage", usage);
    }
    if (choices.size() > 1) {
      JsonArray all = new JsonArray();
      choices.forEach((index, c) -> all.add(describe(c).put("index", index)));
      result.put("choices", all);
    }
    return result;
  }

  private static JsonObject describe(Choice c) {
    JsonObject o = new JsonObject().put("content", c.content.toString()).put("finish_reason", c.finishReason);
    if (!c.refusal.isEmpty()) {
      o.put("refusal", c.refusal.toString());
    }
    if (!c.reasoning.isEmpty()) {
      o.put("reasoning", c.reasoning.toString());
    }
    if (!c.toolCalls.isEmpty()) {
      o.put("tool_calls", new JsonArray(java.util.List.copyOf(c.toolCalls.values())));
    }
    return o;
  }
}
