package io.emp.supervisor.nodes;

import java.io.PrintStream;

/** Terminal lines, one per step: {@code [3/12] ComfyUI-Impact-Pack: cloning ...}. Safe from any thread. */
final class Progress {
  private final PrintStream out;
  private final int total;

  Progress(PrintStream out, int total) {
    this.out = out;
    this.total = total;
  }

  void node(int index, String name, String message) {
    line("[" + index + "/" + total + "] " + name + ": " + message);
  }

  void line(String text) {
    synchronized (out) {
      out.println(text);
      out.flush();
    }
  }
}
