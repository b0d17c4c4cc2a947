package io.emp.worker.connector.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A validated OpenAI job: {@code {"endpoint": "chat" | "images" | "embeddings", ...}} (default chat);
 * everything but {@code endpoint} is the request body of that endpoint, passed through as it is. Chat is
 * always streamed ({@code stream: true}); images and embeddings never are.
 *
 * @param budget the tokens the answer may use ({@code max_completion_tokens} or {@code max_tokens}, times
 *               {@code n}) when given, else null — it turns chat progress into a share
 */
record OpenAiRequest(Endpoint endpoint, String model, JsonObject body, Long budget) {

  enum Endpoint {
    CHAT("chat", "/v1/chat/completions"),
    IMAGES("images", "/v1/images/generations"),
    EMBEDDINGS("embeddings", "/v1/embeddings");

    final String wire;
    final String path;

    Endpoint(String wire, String path) {
      this.wire = wire;
      this.path = path;
    }

    static Endpoint of(Object value) {
      return Arrays.stream(values()).filter(e -> e.wire.equals(value)).findFirst().orElse(null);
    }

    static String names() {
      return Arrays.stream(values()).map(e -> e.wire).collect(Collectors.joining(", "));
    }
  }

  /** The request, or why the payload is unusable (a permanent failure). */
  record Parsed(OpenAiRequest request, String problem) {
  }

  static Parsed parse(JsonObject payload) {
    Object wire = payload.getValue("endpoint", "chat");
    Endpoint endpoint = Endpoint.of(wire);
    if (endpoint == null) {
      return invalid("endpoint must be one of " + Endpoint.names() + ", got " + describe(wire));
    }
    String problem = problem(endpoint, payload);
    if (problem != null) {
      return invalid(problem);
    }
    JsonObject body = payload.copy();
    body.remove("endpoint");
    body.remove("stream");
    Long budget = null;
    if (endpoint == Endpoint.CHAT) {
      body.put("stream", true);
      Object max = payload.getValue("max_completion_tokens", payload.getValue("max_tokens"));
      Object n = payload.getValue("n", 1);
      if (max instanceof Number m && m.longValue() > 0 && n instanceof Number count && count.longValue() > 0) {
        budget = m.longValue() * count.longValue();
      }
    }
    return new Parsed(new OpenAiRequest(endpoint, payload.getString("model"), body, budget), null);
  }

  private static String problem(Endpoint endpoint, JsonObject p) {
    if (!(p.getValue("model") instanceof String m) || m.isBlank()) {
      return "model is required (e.g. \"gpt-4o-mini\")";
    }
    return switch (endpoint) {
      case CHAT -> p.getValue("messages") instanceof JsonArray a && !a.isEmpty()
        && a.stream().allMatch(JsonObject.class::isInstance)
        ? numbers(p, "max_tokens", "max_completion_tokens", "n")
        : "messages must be a non-empty array of objects ({\"role\", \"content\"})";
      case IMAGES -> p.getValue("prompt") instanceof String s && !s.isBlank() ? null : "prompt is required (a string)";
      case EMBEDDINGS -> p.getValue("input") instanceof String || p.getValue("input") instanceof JsonArray
        ? null : "input is required (a string or an array)";
    };
  }

  private static String numbers(JsonObject p, String... fields) {
    for (String f : fields) {
      Object v = p.getValue(f);
      if (v != null && !(v instanceof Number)) {
        return f + " must be a number, got " + describe(v);
      }
    }
    return null;
  }

  private static Parsed invalid(String problem) {
    return new Parsed(null, "invalid openai payload: " + problem);
  }

  private static String describe(Object v) {
    return v == null ? "null" : v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }
}
