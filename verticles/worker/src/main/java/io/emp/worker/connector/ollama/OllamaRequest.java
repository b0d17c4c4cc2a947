package io.emp.worker.connector.ollama;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A validated Ollama job: {@code {"model", "prompt"}} goes to {@code /api/generate}, {@code {"model",
 * "messages"}} to {@code /api/chat}. Every other field ({@code options}, {@code system}, {@code format},
 * {@code keep_alive}, {@code images}, {@code tools}, …) is passed through as it is; {@code stream} is
 * always true.
 *
 * @param numPredict {@code options.num_predict} when it bounds the answer (&gt; 0), else null
 */
record OllamaRequest(String model, boolean chat, JsonObject body, Long numPredict) {

  /** The request, or why the payload is unusable (a permanent failure). */
  record Parsed(OllamaRequest request, String problem) {
  }

  String path() {
    return chat ? "/api/chat" : "/api/generate";
  }

  static Parsed parse(JsonObject payload) {
    String problem = problem(payload);
    if (problem != null) {
      return new Parsed(null, "invalid ollama payload: " + problem);
    }
    JsonObject options = payload.getJsonObject("options");
    Number n = options == null ? null : options.getNumber("num_predict");
    Long numPredict = n != null && n.longValue() > 0 ? n.longValue() : null;
    JsonObject body = payload.copy().put("stream", true);
    return new Parsed(new OllamaRequest(payload.getString("model"), payload.containsKey("messages"), body, numPredict), null);
  }

  private static String problem(JsonObject p) {
    Object model = p.getValue("model");
    if (!(model instanceof String m) || m.isBlank()) {
      return "model is required (the Ollama model to run, e.g. \"llama3.2\")";
    }
    Object prompt = p.getValue("prompt");
    Object messages = p.getValue("messages");
    if (prompt == null && messages == null) {
      return "prompt (for /api/generate) or messages (for /api/chat) is required";
    }
    if (prompt != null && messages != null) {
      return "give either prompt (for /api/generate) or messages (for /api/chat), not both";
    }
    if (prompt != null && !(prompt instanceof String)) {
      return "prompt must be a string";
    }
    if (messages != null && !(messages instanceof JsonArray a && a.stream().allMatch(JsonObject.class::isInstance))) {
      return "messages must be an array of objects ({\"role\", \"content\"})";
    }
    Object options = p.getValue("options");
    if (options != null && !(options instanceof JsonObject)) {
      return "options must be an object";
    }
    Object numPredict = options == null ? null : ((JsonObject) options).getValue("num_predict");
    if (numPredict != null && !(numPredict instanceof Number)) {
      return "options.num_predict must be a number";
    }
    return null;
  }
}
