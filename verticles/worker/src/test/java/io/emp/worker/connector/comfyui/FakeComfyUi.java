package io.emp.worker.connector.comfyui;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A real HTTP + WebSocket server speaking ComfyUI's protocol ({@code server.py}): {@code POST /prompt},
 * {@code GET /ws?clientId=}, {@code GET /history/{id}}, {@code GET /view}, {@code GET|POST /queue},
 * {@code POST /interrupt}, {@code GET /system_stats}, {@code GET /object_info[/{class}]}. Like ComfyUI, it
 * sends a prompt's events only to the socket of the prompt's {@code client_id}. What a prompt does is a
 * {@link Script} chosen per test; everything the connector asks is recorded.
 */
final class FakeComfyUi {
  static final String GPU = "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync";
  static final long VRAM = 25_757_220_864L;

  private final Vertx vertx;
  private HttpServer server;
  private volatile int port;

  // recorded
  final List<String> socketClientIds = new CopyOnWriteArrayList<>();
  final List<JsonObject> prompts = new CopyOnWriteArrayList<>();
  final List<Boolean> socketOpenAtPrompt = new CopyOnWriteArrayList<>();
  final List<JsonObject> interrupts = new CopyOnWriteArrayList<>();
  final List<JsonArray> queueDeletes = new CopyOnWriteArrayList<>();
  final List<String> views = new CopyOnWriteArrayList<>();
  final AtomicInteger historyCalls = new AtomicInteger();

  // state
  private final Map<String, ServerWebSocket> sockets = new ConcurrentHashMap<>();
  final Map<String, JsonObject> history = new ConcurrentHashMap<>();
  final Map<String, Buffer> files = new ConcurrentHashMap<>();
  final Map<String, Boolean> chunked = new ConcurrentHashMap<>();
  private final Map<String, Execution> executions = new ConcurrentHashMap<>();
  private final AtomicInteger number = new AtomicInteger();

  // scripting
  volatile Function<JsonObject, Script> onPrompt = graph -> Script.success();
  /** When set, answers {@code POST /prompt} instead (status and raw body), e.g. a 400 or garbage. */
  volatile Function<JsonObject, Map.Entry<Integer, String>> promptAnswer;
  /** When set, the raw body of every {@code GET /history/{id}}. */
  volatile String historyAnswer;
  volatile int systemStatsStatus = 200;
  volatile long refuseSocketsUntil;
  volatile JsonObject objectInfo = new JsonObject()
    .put("CheckpointLoaderSimple", node("ckpt_name", "sdxl.safetensors", "sd15.ckpt"))
    .put("LoraLoader", node("lora_name", "detail.safetensors"))
    .put("KSampler", new JsonObject().put("input", new JsonObject().put("required", new JsonObject())));

  FakeComfyUi(Vertx vertx) {
    this.vertx = vertx;
  }

  int port() {
    return port;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Listens on {@code port} (0: a free one). */
  FakeComfyUi start(int port) {
    server = vertx.createHttpServer().requestHandler(this::handle);
    this.port = await(server.listen(port, "127.0.0.1")).actualPort();
    return this;
  }

  /** Stops listening (connections are refused until {@link #start(int)} again). */
  void stop() {
    if (server != null) {
      await(server.close());
      server = null;
    }
  }

  int runningCount() {
    return (int) executions.values().stream().filter(e -> e.state.equals("running")).count();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.equals("/ws")) {
      socket(req);
    } else if (path.equals("/prompt") && req.method().name().equals("POST")) {
      req.body().onSuccess(b -> prompt(req, b));
    } else if (path.startsWith("/history/")) {
      historyCalls.incrementAndGet();
      String id = path.substring("/history/".length());
      JsonObject entry = history.get(id);
      reply(req, 200, historyAnswer != null ? historyAnswer
        : entry == null ? "{}" : new JsonObject().put(id, entry).encode());
    } else if (path.equals("/view")) {
      view(req);
    } else if (path.equals("/queue")) {
      queue(req);
    } else if (path.equals("/interrupt")) {
      req.body().onSuccess(b -> interrupt(req, b));
    } else if (path.equals("/system_stats")) {
      reply(req, systemStatsStatus, systemStats().encode());
    } else if (path.startsWith("/object_info")) {
      String cls = path.startsWith("/object_info/") ? path.substring("/object_info/".length()) : null;
      JsonObject info = cls == null ? objectInfo
        : objectInfo.containsKey(cls) ? new JsonObject().put(cls, objectInfo.getValue(cls)) : new JsonObject();
      reply(req, 200, info.encode());
    } else {
      reply(req, 404, "{}");
    }
  }

  private void socket(HttpServerRequest req) {
    if (System.currentTimeMillis() < refuseSocketsUntil) {
      reply(req, 503, "busy");
      return;
    }
    String sid = req.getParam("clientId");
    String id = sid == null || sid.isEmpty() ? UUID.randomUUID().toString() : sid;
    req.toWebSocket().onSuccess(ws -> {
      socketClientIds.add(sid == null ? "" : sid);
      sockets.put(id, ws);
      ws.closeHandler(v -> sockets.remove(id, ws));
      ws.writeTextMessage(new JsonObject().put("type", "status").put("data", new JsonObject()
        .put("status", new JsonObject().put("exec_info", new JsonObject().put("queue_remaining", runningCount())))
        .put("sid", id)).encode());
    });
  }

  private void prompt(HttpServerRequest req, Buffer body) {
    JsonObject json = new JsonObject(body);
    prompts.add(json);
    String clientId = json.getString("client_id");
    socketOpenAtPrompt.add(clientId != null && sockets.containsKey(clientId));
    var answer = promptAnswer;
    if (answer != null) {
      var a = answer.apply(json);
      reply(req, a.getKey(), a.getValue());
      return;
    }
    String id = UUID.randomUUID().toString();
    Script script = onPrompt.apply(json.getJsonObject("prompt"));
    Execution e = new Execution(id, clientId, json.getJsonObject("prompt"), script);
    executions.put(id, e);
    int n = number.getAndIncrement();
    if (script.beforeAnswer) {
      e.runAll();
    }
    reply(req, 200, new JsonObject().put("prompt_id", id).put("number", n).put("node_errors", new JsonObject()).encode());
    if (!script.beforeAnswer && !script.pending) {
      e.next(0);
    }
  }

  private void view(HttpServerRequest req) {
    String name = req.getParam("filename");
    views.add(name + "|" + req.getParam("subfolder") + "|" + req.getParam("type"));
    Buffer data = name == null ? null : files.get(name);
    if (data == null) {
      reply(req, 404, "not found");
      return;
    }
    HttpServerResponse resp = req.response().putHeader("Content-Type", name.endsWith(".png") ? "image/png" : "video/mp4");
    if (chunked.getOrDefault(name, false)) {
      resp.setChunked(true);
      int half = data.length() / 2;
      resp.write(data.getBuffer(0, half));
      resp.end(data.getBuffer(half, data.length()));
    } else {
      resp.end(data);
    }
  }

  private void queue(HttpServerRequest req) {
    if (req.method().name().equals("POST")) {
      req.body().onSuccess(b -> {
        JsonArray delete = new JsonObject(b).getJsonArray("delete", new JsonArray());
        queueDeletes.add(delete);
        delete.forEach(id -> {
          Execution e = executions.get(String.valueOf(id));
          if (e != null && e.state.equals("pending")) {
            e.state = "deleted";
          }
        });
        req.response().end();
      });
      return;
    }
    JsonArray running = new JsonArray();
    JsonArray pending = new JsonArray();
    executions.values().forEach(e -> {
      JsonArray item = new JsonArray().add(0).add(e.id).add(e.graph).add(new JsonObject().put("client_id", e.clientId))
        .add(new JsonArray());
      if (e.state.equals("running")) {
        running.add(item);
      } else if (e.state.equals("pending")) {
        pending.add(item);
      }
    });
    reply(req, 200, new JsonObject().put("queue_running", running).put("queue_pending", pending).encode());
  }

  private void interrupt(HttpServerRequest req, Buffer body) {
    JsonObject json = body.length() == 0 ? new JsonObject() : new JsonObject(body);
    interrupts.add(json);
    executions.values().stream()
      .filter(e -> e.state.equals("running"))
      .filter(e -> !json.containsKey("prompt_id") || e.id.equals(json.getString("prompt_id")))
      .forEach(Execution::interrupted);
    req.response().end();
  }

  private JsonObject systemStats() {
    return new JsonObject()
      .put("system", new JsonObject().put("os", "posix").put("comfyui_version", "0.3.40").put("ram_total", 68_719_476_736L))
      .put("devices", new JsonArray().add(new JsonObject().put("name", GPU).put("type", "cuda").put("index", 0)
        .put("vram_total", VRAM).put("vram_free", 24_000_000_000L)));
  }

  private static void reply(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }

  private static JsonObject node(String input, String... choices) {
    return new JsonObject().put("input", new JsonObject().put("required", new JsonObject()
      .put(input, new JsonArray().add(new JsonArray(List.of((Object[]) choices))))));
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A history entry as ComfyUI writes it when a prompt ends. */
  static JsonObject historyEntry(String id, JsonObject outputs, String statusStr, JsonArray messages) {
    return new JsonObject()
      .put("prompt", new JsonArray().add(0).add(id).add(new JsonObject()).add(new JsonObject()).add(new JsonArray()))
      .put("outputs", outputs)
      .put("status", new JsonObject().put("status_str", statusStr).put("completed", statusStr.equals("success"))
        .put("messages", messages));
  }

  /** One prompt being "executed": its steps, run one after another on timers. */
  final class Execution {
    final String id;
    final String clientId;
    final JsonObject graph;
    final Script script;
    volatile String state;
    private int index;

    Execution(String id, String clientId, JsonObject graph, Script script) {
      this.id = id;
      this.clientId = clientId;
      this.graph = graph;
      this.script = script;
      this.state = script.pending ? "pending" : "running";
    }

    void next(long delay) {
      if (!state.equals("running") || index >= script.steps.size()) {
        return;
      }
      Step step = script.steps.get(index++);
      vertx.setTimer(Math.max(1, delay + step.delayMs), t -> {
        if (state.equals("running")) {
          step.action.accept(this);
          next(script.stepMs);
        }
      });
    }

    void runAll() {
      while (state.equals("running") && index < script.steps.size()) {
        script.steps.get(index++).action.accept(this);
      }
    }

    void send(String type, JsonObject data) {
      ServerWebSocket ws = sockets.get(clientId);
      if (ws != null) {
        ws.writeTextMessage(new JsonObject().put("type", type).put("data", data.copy().put("prompt_id", id)).encode());
      }
    }

    void sendBinary(int bytes) {
      ServerWebSocket ws = sockets.get(clientId);
      if (ws != null) {
        ws.writeBinaryMessage(Buffer.buffer(new byte[bytes]));
      }
    }

    void dropSocket() {
      ServerWebSocket ws = sockets.remove(clientId);
      if (ws != null) {
        ws.close();
      }
    }

    void finishHistory(JsonObject outputs, String status, JsonArray messages) {
      history.put(id, historyEntry(id, outputs, status, messages));
      state = "done";
    }

    void interrupted() {
      JsonObject data = new JsonObject().put("prompt_id", id).put("node_id", "3").put("node_type", "KSampler")
        .put("executed", new JsonArray());
      finishHistory(new JsonObject(), "error", new JsonArray().add(new JsonArray().add("execution_interrupted").add(data)));
      send("execution_interrupted", data);
      send("executing", new JsonObject().putNull("node"));
    }
  }

  record Step(long delayMs, Consumer<Execution> action) {
  }

  /** What a prompt does, step by step (each {@link #stepMs} after the previous). */
  static final class Script {
    final List<Step> steps = new ArrayList<>();
    long stepMs = 20;
    boolean pending;
    boolean beforeAnswer;

    static Script success() {
      return new Script().standardRun().succeed(imageOutputs("9", "ComfyUI_00001_.png"));
    }

    /** start, cached 1+2 of the 5-node graph, then 3 (sampler, 4 progress steps), 4, 9. */
    Script standardRun() {
      return send("execution_start", new JsonObject())
        .cached("1", "2")
        .executing("3")
        .progress("3", 1, 4).progress("3", 2, 4).progress("3", 3, 4).progress("3", 4, 4)
        .executing("4")
        .executing("9");
    }

    Script send(String type, JsonObject data) {
      return step(e -> e.send(type, data));
    }

    Script cached(String... nodes) {
      return send("execution_cached", new JsonObject().put("nodes", new JsonArray(List.of((Object[]) nodes))));
    }

    Script executing(String node) {
      return send("executing", new JsonObject().put("node", node).put("display_node", node));
    }

    Script progress(String node, int value, int max) {
      return send("progress", new JsonObject().put("value", value).put("max", max).put("node", node));
    }

    Script preview(int bytes) {
      return step(e -> e.sendBinary(bytes));
    }

    Script pause(long ms) {
      steps.add(new Step(ms, e -> { }));
      return this;
    }

    Script dropSocket() {
      return step(Execution::dropSocket);
    }

    Script step(Consumer<Execution> action) {
      steps.add(new Step(0, action));
      return this;
    }

    /** Writes the history, then sends executed, execution_success and executing{node:null}. */
    Script succeed(JsonObject outputs) {
      return step(e -> {
        outputs.fieldNames().forEach(n -> e.send("executed", new JsonObject().put("node", n).put("output", outputs.getValue(n))));
        e.finishHistory(outputs, "success", new JsonArray());
        e.send("execution_success", new JsonObject());
        e.send("executing", new JsonObject().putNull("node"));
      });
    }

    /** Finishes in the history only, sending nothing (as if the socket missed it). */
    Script succeedQuietly(JsonObject outputs) {
      return step(e -> e.finishHistory(outputs, "success", new JsonArray()));
    }

    Script fail(String node, String nodeType, String exceptionType, String message) {
      return step(e -> {
        JsonObject data = new JsonObject().put("node_id", node).put("node_type", nodeType).put("executed", new JsonArray())
          .put("exception_message", message).put("exception_type", exceptionType)
          .put("traceback", new JsonArray().add("  File \"execution.py\", line 1\n"))
          .put("current_inputs", new JsonObject()).put("current_outputs", new JsonObject());
        e.finishHistory(new JsonObject(), "error",
          new JsonArray().add(new JsonArray().add("execution_error").add(data.copy().put("prompt_id", e.id))));
        e.send("execution_error", data);
        e.send("executing", new JsonObject().putNull("node"));
      });
    }

    Script stepMs(long ms) {
      stepMs = ms;
      return this;
    }

    /** Stays pending in the queue (behind someone else's prompt) and never runs. */
    Script pending() {
      pending = true;
      return this;
    }

    /** Runs every step before {@code POST /prompt} answers (a fully cached prompt). */
    Script beforeAnswer() {
      beforeAnswer = true;
      return this;
    }
  }

  static JsonObject imageOutputs(String node, String... filenames) {
    JsonArray images = new JsonArray();
    for (String f : filenames) {
      images.add(new JsonObject().put("filename", f).put("subfolder", "").put("type", "output"));
    }
    return new JsonObject().put(node, new JsonObject().put("images", images));
  }

  /** A 5-node API-format graph (checkpoint, prompt, sampler, decode, save). */
  static JsonObject graph() {
    return new JsonObject()
      .put("1", new JsonObject().put("class_type", "CheckpointLoaderSimple")
        .put("inputs", new JsonObject().put("ckpt_name", "sdxl.safetensors")))
      .put("2", new JsonObject().put("class_type", "CLIPTextEncode")
        .put("inputs", new JsonObject().put("text", "a cat").put("clip", new JsonArray().add("1").add(1))))
      .put("3", new JsonObject().put("class_type", "KSampler")
        .put("inputs", new JsonObject().put("steps", 4).put("model", new JsonArray().add("1").add(0))))
      .put("4", new JsonObject().put("class_type", "VAEDecode")
        .put("inputs", new JsonObject().put("samples", new JsonArray().add("3").add(0))))
      .put("9", new JsonObject().put("class_type", "SaveImage")
        .put("inputs", new JsonObject().put("images", new JsonArray().add("4").add(0))));
  }
}
