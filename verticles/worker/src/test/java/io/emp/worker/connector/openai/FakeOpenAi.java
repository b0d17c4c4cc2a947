package io.emp.worker.connector.openai;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server speaking the OpenAI API on a free port: {@code GET /v1/models}, streamed
 * ({@code text/event-stream}) {@code POST /v1/chat/completions}, {@code /v1/images/generations} and
 * {@code /v1/embeddings}. Tests script the next chat answers (tokens, delay between chunks, how the
 * stream ends, HTTP errors with headers), may require a bearer key, and read back the requests with
 * their headers and which streams the client closed early.
 */
final class FakeOpenAi {

  /** How a scripted chat stream ends. */
  enum Ending { DONE, ERROR_CHUNK, GARBAGE, END_WITHOUT_DONE, DROP, STALL }

  /** One scripted chat answer; an HTTP error when {@code status} is not 200. */
  record Script(List<String> tokens, long delayMs, Ending ending, int status, String error, Map<String, String> headers) {
    static Script tokens(long delayMs, String... tokens) {
      return new Script(List.of(tokens), delayMs, Ending.DONE, 200, null, Map.of());
    }

    /** An HTTP error with OpenAI's error object ({@code type} derived from the status). */
    static Script status(int status, String message, String... headers) {
      Map<String, String> h = new java.util.HashMap<>();
      for (int i = 0; i + 1 < headers.length; i += 2) {
        h.put(headers[i], headers[i + 1]);
      }
      return new Script(List.of(), 0, Ending.DONE, status, message, h);
    }

    Script ending(Ending e) {
      return new Script(tokens, delayMs, e, status, error, headers);
    }
  }

  record Recorded(String path, MultiMap headers, JsonObject body) {
  }

  private final Vertx vertx;
  private HttpServer server;
  private int port;
  final List<Recorded> requests = new CopyOnWriteArrayList<>();
  final List<String> closedEarly = new CopyOnWriteArrayList<>();
  private final List<Script> scripts = new CopyOnWriteArrayList<>();
  volatile Script fallback = Script.tokens(5, "Hello", ",", " world", "!");
  /** When set, requests without {@code Authorization: Bearer <key>} get 401. */
  volatile String requiredKey;
  /** When true, a 401 echoes the key that was sent and chat echoes the Authorization header (a leaky server). */
  volatile boolean echoKey;
  /** When true, chat ignores {@code stream: true} and answers with one {@code chat.completion} (as some servers do). */
  volatile boolean ignoreStream;
  volatile List<String> models = List.of("gpt-4o-mini", "text-embedding-3-small", "dall-e-3");

  FakeOpenAi(Vertx vertx) {
    this.vertx = vertx;
  }

  FakeOpenAi start() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    port = await(server.listen(port)).actualPort();
    return this;
  }

  void stop() {
    await(server.close());
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  void script(Script... next) {
    scripts.addAll(List.of(next));
  }

  List<Recorded> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      JsonObject body = buf.length() == 0 ? new JsonObject() : buf.toJsonObject();
      requests.add(new Recorded(req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body));
      HttpServerResponse resp = req.response();
      resp.closeHandler(v -> {
        if (!resp.ended()) {
          closedEarly.add(req.path());
        }
      });
      String auth = req.getHeader("Authorization");
      if (requiredKey != null && !("Bearer " + requiredKey).equals(auth)) {
        String sent = auth == null ? "none" : auth.replace("Bearer ", "");
        error(resp, 401, "Incorrect API key provided: " + (echoKey ? sent : "sk-***") + ".", Map.of());
        return;
      }
      switch (req.path()) {
        case "/v1/models" -> json(resp, 200, modelList());
        case "/v1/chat/completions" -> chat(resp, body, auth);
        case "/v1/images/generations" -> json(resp, 200, images(body));
        case "/v1/embeddings" -> json(resp, 200, embeddings(body));
        default -> error(resp, 404, "Invalid URL (" + req.method() + " " + req.path() + ")", Map.of());
      }
    });
  }

  private JsonObject modelList() {
    JsonArray data = new JsonArray();
    models.forEach(m -> data.add(new JsonObject().put("id", m).put("object", "model").put("created", 1_686_935_002)
      .put("owned_by", "openai")));
    return new JsonObject().put("object", "list").put("data", data);
  }

  private void chat(HttpServerResponse resp, JsonObject body, String auth) {
    Script s = scripts.isEmpty() ? fallback : scripts.remove(0);
    if (s.status() != 200) {
      error(resp, s.status(), s.error(), s.headers());
      return;
    }
    String model = body.getString("model");
    if (ignoreStream) {
      json(resp, 200, new JsonObject().put("id", "chatcmpl-9").put("object", "chat.completion").put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "length")
          .put("message", new JsonObject().put("role", "assistant").put("content", String.join("", s.tokens())))))
        .put("usage", new JsonObject().put("prompt_tokens", 9).put("completion_tokens", 2).put("total_tokens", 11)));
      return;
    }
    List<String> events = new ArrayList<>();
    events.add(": keep-alive");
    events.add("data: " + chunk(model, new JsonObject().put("role", "assistant").put("content", ""), null).encode());
    List<String> tokens = new ArrayList<>(s.tokens());
    if (echoKey && auth != null) {
      tokens.add(" " + auth);
    }
    // a token written as a JSON object is sent as the delta itself (tool calls, refusals)
    tokens.forEach(t -> events.add("data: " + chunk(model, t.startsWith("{") ? new JsonObject(t)
      : new JsonObject().put("content", t), null).encode()));
    switch (s.ending()) {
      case DONE -> {
        events.add("data: " + chunk(model, new JsonObject(), "stop").encode());
        JsonObject options = body.getJsonObject("stream_options");
        if (options != null && Boolean.TRUE.equals(options.getBoolean("include_usage"))) {
          events.add("data: " + chunk(model, null, null).put("choices", new JsonArray()).put("usage", new JsonObject()
            .put("prompt_tokens", 9).put("completion_tokens", tokens.size()).put("total_tokens", 9 + tokens.size())).encode());
        }
        events.add("data: [DONE]");
      }
      case ERROR_CHUNK -> events.add("data: " + new JsonObject().put("error", new JsonObject()
        .put("message", "The server had an error while processing your request.").put("type", "server_error")).encode());
      case GARBAGE -> events.add("data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"cont");
      default -> {
      }
    }
    resp.setChunked(true).setStatusCode(200).putHeader("content-type", "text/event-stream; charset=utf-8")
      .putHeader("cache-control", "no-cache");
    writeFrom(resp, events, 0, s.delayMs(), s.ending());
  }

  private static JsonObject chunk(String model, JsonObject delta, String finish) {
    JsonObject c = new JsonObject().put("id", "chatcmpl-123").put("object", "chat.completion.chunk")
      .put("created", 1_694_268_190).put("model", model).put("system_fingerprint", "fp_44709d6fcb");
    if (delta != null) {
      c.put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
        .put("logprobs", (Object) null).put("finish_reason", finish)));
    }
    return c;
  }

  private void writeFrom(HttpServerResponse resp, List<String> events, int i, long delayMs, Ending ending) {
    if (resp.closed()) {
      return;
    }
    if (i == events.size()) {
      switch (ending) {
        case DROP -> resp.reset();
        case STALL -> {
        }
        default -> resp.end();
      }
      return;
    }
    resp.write(events.get(i) + "\n\n");
    vertx.setTimer(Math.max(1, delayMs), t -> writeFrom(resp, events, i + 1, delayMs, ending));
  }

  private static JsonObject images(JsonObject body) {
    boolean b64 = "b64_json".equals(body.getString("response_format"));
    JsonArray data = new JsonArray();
    for (int i = 0; i < body.getInteger("n", 1); i++) {
      data.add(b64 ? new JsonObject().put("b64_json", "iVBORw0KGgo=")
        : new JsonObject().put("url", "https://files.example/img-" + i + ".png").put("revised_prompt", body.getString("prompt")));
    }
    return new JsonObject().put("created", 1_713_833_628).put("data", data);
  }

  private static JsonObject embeddings(JsonObject body) {
    return new JsonObject().put("object", "list")
      .put("data", new JsonArray().add(new JsonObject().put("object", "embedding").put("index", 0)
        .put("embedding", new JsonArray().add(0.0023064255).add(-0.009327292).add(0.015797347))))
      .put("model", body.getString("model"))
      .put("usage", new JsonObject().put("prompt_tokens", 8).put("total_tokens", 8));
  }

  private static void error(HttpServerResponse resp, int status, String message, Map<String, String> headers) {
    String type = status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
    headers.forEach(resp::putHeader);
    json(resp, status, new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
      .put("param", (Object) null).put("code", status == 401 ? "invalid_api_key" : null)));
  }

  private static void json(HttpServerResponse resp, int status, JsonObject body) {
    resp.setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
