package io.emp.worker.connector.comfyui;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads ComfyUI's websocket messages for one prompt and tells its {@link Listener} what they mean. Only
 * messages carrying this prompt's id count ({@code progress} of older ComfyUI versions carries none; the
 * socket belongs to this job's client id, so it is this prompt's). Messages that arrive before the prompt
 * id is known ({@code POST /prompt} has not answered yet — a fully cached prompt can finish first) are kept
 * and replayed once it is. Binary frames (live previews) never get here.
 *
 * <p>Not thread-safe: used on one event loop.
 */
final class PromptEvents {
  private static final int MAX_EARLY_MESSAGES = 1_000;

  /** What the events mean for the run. */
  interface Listener {
    /** Progress across the whole graph (0–99) and a message like {@code node 2/3 KSampler 40%}. */
    void progress(double percent, String message);

    /** {@code executing{node:null}} or {@code execution_success}: the history entry has the outcome. */
    void ended();

    /** {@code execution_error} ({@code interrupted} false) or {@code execution_interrupted}, with its data. */
    void failed(JsonObject data, boolean interrupted);
  }

  private final ProgressTracker tracker;
  private final Listener listener;
  private final List<JsonObject> early = new ArrayList<>();
  private String promptId;
  private long lastHeard = System.currentTimeMillis();

  PromptEvents(JsonObject graph, Listener listener) {
    this.tracker = new ProgressTracker(graph);
    this.listener = listener;
  }

  /** The prompt id is known: replays what came before it. */
  void promptId(String id) {
    promptId = id;
    List<JsonObject> replay = List.copyOf(early);
    early.clear();
    replay.forEach(this::handle);
  }

  /** When the last message of this prompt arrived (epoch ms). */
  long lastHeard() {
    return lastHeard;
  }

  void heardNow() {
    lastHeard = System.currentTimeMillis();
  }

  /** One text frame; anything that is not a JSON object is ignored. */
  void onText(String text) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return;
    }
    if (promptId != null) {
      handle(message);
    } else if (early.size() < MAX_EARLY_MESSAGES) {
      early.add(message);
    }
  }

  private void handle(JsonObject message) {
    String type = message.getValue("type") instanceof String t ? t : "";
    JsonObject data = message.getValue("data") instanceof JsonObject d ? d : new JsonObject();
    Object pid = data.getValue("prompt_id");
    if (pid == null ? !type.equals("progress") : !promptId.equals(pid)) {
      return;
    }
    heardNow();
    String node = data.getValue("node") == null ? null : String.valueOf(data.getValue("node"));
    switch (type) {
      case "execution_start" -> report();
      case "execution_cached" -> {
        if (data.getValue("nodes") instanceof JsonArray nodes) {
          tracker.cached(nodes);
        }
        report();
      }
      case "executing" -> {
        if (node == null) {
          listener.ended();
        } else {
          tracker.executing(node);
          report();
        }
      }
      case "progress" -> {
        tracker.progress(node, number(data, "value"), number(data, "max"));
        report();
      }
      case "executed" -> {
        tracker.executed(node);
        report();
      }
      case "execution_success" -> listener.ended();
      case "execution_error" -> listener.failed(data, false);
      case "execution_interrupted" -> listener.failed(data, true);
      default -> { }
    }
  }

  private void report() {
    listener.progress(tracker.percent(), tracker.message());
  }

  private static double number(JsonObject data, String key) {
    return data.getValue(key) instanceof Number n ? n.doubleValue() : 0;
  }
}
