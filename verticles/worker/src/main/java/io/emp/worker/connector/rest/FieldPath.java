package io.emp.worker.connector.rest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a value sits in a JSON document: a JSON pointer ({@code /data/status}, RFC 6901, {@code ~0}
 * and {@code ~1} escapes) or a dotted path ({@code data.status}, or just {@code status}). Array
 * elements are addressed by index ({@code /outputs/0/url}, {@code outputs.0.url}).
 */
public record FieldPath(String text, List<String> steps) {

  public static FieldPath parse(String text) {
    List<String> steps = new ArrayList<>();
    if (text.startsWith("/")) {
      for (String s : text.substring(1).split("/", -1)) {
        steps.add(s.replace("~1", "/").replace("~0", "~"));
      }
    } else {
      steps.addAll(List.of(text.split("\\.", -1)));
    }
    if (steps.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("'" + text + "' is not a JSON pointer (/a/b) or a dotted path (a.b)");
    }
    return new FieldPath(text, List.copyOf(steps));
  }

  /** The value at this path, or null when any step is missing. */
  public Object get(Object document) {
    Object at = document;
    for (String step : steps) {
      if (at instanceof JsonObject o) {
        at = o.getValue(step);
      } else if (at instanceof JsonArray a && step.matches("\\d{1,9}") && Integer.parseInt(step) < a.size()) {
        at = a.getValue(Integer.parseInt(step));
      } else {
        return null;
      }
    }
    return at;
  }

  @Override
  public String toString() {
    return text;
  }
}
