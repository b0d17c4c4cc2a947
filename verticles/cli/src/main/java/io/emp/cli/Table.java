package io.emp.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A compact aligned table: upper-case headers, two spaces between columns, numeric columns (named
 * with a leading {@code >}) right-aligned. Nothing is truncated: ids stay copyable.
 */
final class Table {
  private final String[] headers;
  private final boolean[] right;
  private final List<String[]> rows = new ArrayList<>();
  private boolean header = true;

  /** @param headers column names; {@code ">DEPTH"} right-aligns the column */
  Table(String... headers) {
    this.headers = new String[headers.length];
    this.right = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      right[i] = headers[i].startsWith(">");
      this.headers[i] = right[i] ? headers[i].substring(1) : headers[i];
    }
  }

  Table row(Object... cells) {
    String[] r = new String[headers.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = i < cells.length && cells[i] != null ? String.valueOf(cells[i]) : "";
    }
    rows.add(r);
    return this;
  }

  /** Key/value listings: the headers only size the columns. */
  Table headless() {
    header = false;
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out) {
    int[] width = new int[headers.length];
    for (int i = 0; i < headers.length; i++) {
      width[i] = header ? headers[i].length() : 0;
      for (String[] r : rows) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    if (header) {
      line(out, headers, width);
    }
    rows.forEach(r -> line(out, r, width));
  }

  private void line(PrintWriter out, String[] cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        b.append("  ");
      }
      String pad = " ".repeat(width[i] - cells[i].length());
      b.append(right[i] ? pad + cells[i] : cells[i] + (i == cells.length - 1 ? "" : pad));
    }
    out.println(b.toString().stripTrailing());
  }
}
