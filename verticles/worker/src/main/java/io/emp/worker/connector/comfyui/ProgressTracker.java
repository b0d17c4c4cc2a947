package io.emp.worker.connector.comfyui;

import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;

/**
 * One 0–100 figure for a whole prompt. ComfyUI reports {@code executing} when a node starts and
 * {@code progress} (value/max) inside long nodes such as samplers; the share of the graph done is
 * {@code (finished nodes + value/max of the current one) / nodes to run}, where the nodes to run are the
 * graph's nodes minus those {@code execution_cached} skipped. The figure never goes backwards and stays
 * below 100 until the prompt has really finished (nodes that no output needs are never executed).
 *
 * <p>Not thread-safe: used on one event loop.
 */
final class ProgressTracker {
  static final double MAX_BEFORE_DONE = 99;

  private final JsonObject graph;
  private final Set<String> cached = new HashSet<>();
  private final Set<String> finished = new HashSet<>();
  private String current;
  private double fraction;
  private double last;

  ProgressTracker(JsonObject graph) {
    this.graph = graph;
  }

  /** {@code execution_cached}: these nodes will not run. */
  void cached(Iterable<?> nodes) {
    for (Object n : nodes) {
      if (n != null && graph.containsKey(String.valueOf(n))) {
        cached.add(String.valueOf(n));
      }
    }
  }

  /** {@code executing} with a node id: the previous node has finished, this one starts. */
  void executing(String node) {
    if (node.equals(current)) {
      return;
    }
    if (current != null) {
      finished.add(current);
    }
    current = node;
    fraction = 0;
  }

  /** {@code progress} within {@code node} (the current one when null). */
  void progress(String node, double value, double max) {
    if (node != null) {
      executing(node);
    }
    if (max > 0 && Double.isFinite(value)) {
      fraction = Math.max(0, Math.min(1, value / max));
    }
  }

  /** {@code executed}: an output node has finished. */
  void executed(String node) {
    if (node != null) {
      finished.add(node);
      if (node.equals(current)) {
        fraction = 1;
      }
    }
  }

  /** The share done, 0–99, never lower than before. */
  double percent() {
    double done = finishedCount() + (current != null && !finished.contains(current) ? fraction : 0);
    double pct = Math.min(MAX_BEFORE_DONE, 100.0 * done / toRun());
    last = Math.max(last, pct);
    return last;
  }

  /** E.g. {@code node 5/12 KSampler 40%}. */
  String message() {
    if (current == null) {
      return "started";
    }
    int index = Math.min(toRun(), finishedCount() + (finished.contains(current) ? 0 : 1));
    return "node " + index + "/" + toRun() + " " + classOf(current) + " " + Math.round(fraction * 100) + "%";
  }

  int toRun() {
    return Math.max(1, graph.size() - cached.size());
  }

  private int finishedCount() {
    int n = 0;
    for (String f : finished) {
      if (!cached.contains(f)) {
        n++;
      }
    }
    return n;
  }

  private String classOf(String node) {
    Object n = graph.getValue(node);
    Object type = n instanceof JsonObject o ? o.getValue("class_type") : null;
    return type == null ? "#" + node : String.valueOf(type);
  }
}
