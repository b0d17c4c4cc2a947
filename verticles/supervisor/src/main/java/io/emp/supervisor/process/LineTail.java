package io.emp.supervisor.process;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The last {@code capacity} lines of an instance, stdout and stderr merged. Thread-safe. */
final class LineTail {
  private final int capacity;
  private final Deque<String> lines = new ArrayDeque<>();

  LineTail(int capacity) {
    this.capacity = capacity;
  }

  synchronized void add(String line) {
    if (capacity == 0) {
      return;
    }
    if (lines.size() == capacity) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  /** Up to the last {@code n} lines, oldest first. */
  synchronized List<String> last(int n) {
    List<String> all = new ArrayList<>(lines);
    return List.copyOf(all.subList(Math.max(0, all.size() - Math.max(0, n)), all.size()));
  }
}
