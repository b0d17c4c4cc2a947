package io.emp.worker.connector.ollama;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server speaking Ollama's protocol on a free port: {@code /api/version}, {@code /api/tags},
 * streamed (chunked NDJSON) {@code /api/generate}, {@code /api/chat} and {@code /api/pull}. Tests script
 * the next generations (tokens, delay between chunks, how the stream ends), the installed and pullable
 * models, and read back the requests and which streams the client closed early.
 */
final class FakeOllama {

  /** How a scripted generation stream ends. */
  enum Ending { DONE, ERROR_LINE, GARBAGE, END_WITHOUT_DONE, DROP, STALL }

  /** One scripted answer to generate/chat: an HTTP error when {@code status} is not 200. */
  record Script(List<String> tokens, long delayMs, Ending ending, int status, String error) {
    static Script tokens(long delayMs, String... tokens) {
      return new Script(List.of(tokens), delayMs, Ending.DONE, 200, null);
    }

    static Script status(int status, String error) {
      return new Script(List.of(), 0, Ending.DONE, status, error);
    }

    Script ending(Ending e) {
      return new Script(tokens, delayMs, e, status, error);
    }

    Script error(String text) {
      return new Script(tokens, delayMs, Ending.ERROR_LINE, status, text);
    }
  }

  record Recorded(String method, String path, JsonObject body) {
  }

  private final Vertx vertx;
  private HttpServer server;
  private int port;
  final Set<String> installed = ConcurrentHashMap.newKeySet();
  final Set<String> pullable = ConcurrentHashMap.newKeySet();
  final List<Recorded> requests = new CopyOnWriteArrayList<>();
  /** Paths answered with nothing at all (a hung server). */
  final Set<String> stall = ConcurrentHashMap.newKeySet();
  /** Paths of streams the client closed before they ended. */
  final List<String> closedEarly = new CopyOnWriteArrayList<>();
  private final List<Script> scripts = new CopyOnWriteArrayList<>();
  volatile Script fallback = Script.tokens(5, "Hello", ",", " world", "!");
  volatile long pullDelayMs = 20;

  FakeOllama(Vertx vertx) {
    this.vertx = vertx;
    installed.add("llama3.2:latest");
  }

  /** Starts on a free port, or again on the same port after {@link #stop()}. */
  FakeOllama start() {
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

  /** The next generate/chat requests get these answers, in order; then {@link #fallback}. */
  void script(Script... next) {
    scripts.addAll(List.of(next));
  }

  List<Recorded> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      JsonObject body = buf.length() == 0 ? new JsonObject() : buf.toJsonObject();
      requests.add(new Recorded(req.method().name(), req.path(), body));
      HttpServerResponse resp = req.response();
      resp.closeHandler(v -> {
        if (!resp.ended()) {
          closedEarly.add(req.path());
        }
      });
      if (stall.contains(req.path())) {
        return;
      }
      switch (req.path()) {
        case "/api/version" -> json(resp, 200, new JsonObject().put("version", "0.6.5"));
        case "/api/tags" -> json(resp, 200, tags());
        case "/api/pull" -> pull(resp, body.getString("model"));
        case "/api/generate", "/api/chat" -> generate(resp, req.path().equals("/api/chat"), body);
        default -> json(resp, 404, new JsonObject().put("error", "404 page not found"));
      }
    });
  }

  private JsonObject tags() {
    JsonArray models = new JsonArray();
    installed.forEach(m -> models.add(new JsonObject().put("name", m).put("model", m).put("size", 2019393189L)
      .put("digest", "a80c4f17acd5").put("details", new JsonObject().put("family", "llama"))));
    return new JsonObject().put("models", models);
  }

  private void generate(HttpServerResponse resp, boolean chat, JsonObject body) {
    String model = body.getString("model");
    if (!installed.contains(model) && !installed.contains(model + ":latest")) {
      json(resp, 404, new JsonObject().put("error", "model \"" + model + "\" not found, try pulling it first"));
      return;
    }
    Script s = scripts.isEmpty() ? fallback : scripts.remove(0);
    if (s.status() != 200) {
      json(resp, s.status(), new JsonObject().put("error", s.error()));
      return;
    }
    List<String> lines = new ArrayList<>();
    for (String t : s.tokens()) {
      JsonObject chunk = new JsonObject().put("model", model).put("created_at", "2025-01-01T00:00:00Z");
      if (chat) {
        chunk.put("message", new JsonObject().put("role", "assistant").put("content", t));
      } else {
        chunk.put("response", t);
      }
      lines.add(chunk.put("done", false).encode());
    }
    switch (s.ending()) {
      case DONE -> lines.add(done(model, chat, s.tokens().size()).encode());
      case ERROR_LINE -> lines.add(new JsonObject().put("error", s.error()).encode());
      case GARBAGE -> lines.add("{\"model\": \"" + model + "\", \"respo");
      default -> {
      }
    }
    streamLines(resp, lines, s.delayMs(), s.ending(), () -> { });
  }

  private static JsonObject done(String model, boolean chat, int tokens) {
    JsonObject d = new JsonObject().put("model", model).put("created_at", "2025-01-01T00:00:01Z");
    if (chat) {
      d.put("message", new JsonObject().put("role", "assistant").put("content", ""));
    } else {
      d.put("response", "");
    }
    return d.put("done", true).put("done_reason", "stop").put("total_duration", 5_191_566_416L)
      .put("load_duration", 2_154_458L).put("prompt_eval_count", 26).put("prompt_eval_duration", 383_809_000L)
      .put("eval_count", tokens).put("eval_duration", 4_799_921_000L);
  }

  private void pull(HttpServerResponse resp, String model) {
    List<String> lines = new ArrayList<>();
    lines.add(new JsonObject().put("status", "pulling manifest").encode());
    if (!pullable.contains(model)) {
      lines.add(new JsonObject().put("error", "pull model manifest: file does not exist").encode());
      streamLines(resp, lines, pullDelayMs, Ending.DONE, () -> { });
      return;
    }
    String digest = "sha256:6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa";
    for (long done = 0; done <= 4000; done += 1000) {
      lines.add(new JsonObject().put("status", "pulling 6a0746a1ec1a").put("digest", digest)
        .put("total", 4000).put("completed", done).encode());
    }
    lines.add(new JsonObject().put("status", "verifying sha256 digest").encode());
    lines.add(new JsonObject().put("status", "writing manifest").encode());
    lines.add(new JsonObject().put("status", "success").encode());
    // installed before the client can read "success" and ask for it
    streamLines(resp, lines, pullDelayMs, Ending.DONE, () -> installed.add(model));
  }

  /** Writes one line per {@code delayMs} ({@code beforeLast} runs before the last one), then ends as told. */
  private void streamLines(HttpServerResponse resp, List<String> lines, long delayMs, Ending ending, Runnable beforeLast) {
    resp.setChunked(true).putHeader("content-type", "application/x-ndjson").setStatusCode(200);
    writeFrom(resp, lines, 0, delayMs, ending, beforeLast);
  }

  private void writeFrom(HttpServerResponse resp, List<String> lines, int i, long delayMs, Ending ending,
                         Runnable beforeLast) {
    if (resp.closed()) {
      return;
    }
    if (i == lines.size()) {
      switch (ending) {
        case DROP -> resp.reset();
        case STALL -> {
        }
        default -> resp.end();
      }
      return;
    }
    if (i == lines.size() - 1) {
      beforeLast.run();
    }
    resp.write(lines.get(i) + "\n");
    vertx.setTimer(Math.max(1, delayMs), t -> writeFrom(resp, lines, i + 1, delayMs, ending, beforeLast));
  }

  private static void json(HttpServerResponse resp, int status, JsonObject body) {
    resp.setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8").end(body.encode());
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
