package io.emp.standalone.chaos;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos report: one section per scenario with its parameters, measured recovery times and every
 * invariant's result, written as Markdown ({@code report.md}) and JSON ({@code report.json}) in the
 * report directory after each scenario, and printed on stdout.
 */
final class Report {
  private final Path dir;
  private final boolean longMode;
  private final List<Section> sections = new ArrayList<>();

  Report(Path dir, boolean longMode) {
    this.dir = dir;
    this.longMode = longMode;
  }

  /** One scenario's section. */
  static final class Section {
    final String name;
    final String title;
    final long startedAt = System.currentTimeMillis();
    long seconds;
    final Map<String, Object> parameters = new LinkedHashMap<>();
    final Map<String, Object> figures = new LinkedHashMap<>();
    final Map<String, String> timings = new LinkedHashMap<>();
    final Map<String, JsonObject> timingData = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    final List<Ledger.Result> invariants = new ArrayList<>();
    final List<String> checks = new ArrayList<>();
    String outcome = "running";

    Section(String name, String title) {
      this.name = name;
      this.title = title;
    }

    Section param(String k, Object v) {
      parameters.put(k, v);
      return this;
    }

    Section figure(String k, Object v) {
      figures.put(k, v);
      return this;
    }

    Section note(String n) {
      notes.add(n);
      return this;
    }

    /** A series of durations in ms: count, p50, p90, p99, max. */
    Section timing(String what, List<Long> ms) {
      if (ms.isEmpty()) {
        timings.put(what, "no samples");
        timingData.put(what, new JsonObject().put("n", 0));
        return this;
      }
      long[] s = ms.stream().mapToLong(Long::longValue).sorted().toArray();
      timings.put(what, String.format("n=%d  p50 %s  p90 %s  p99 %s  max %s", s.length, fmt(pct(s, 50)), fmt(pct(s, 90)),
        fmt(pct(s, 99)), fmt(s[s.length - 1])));
      timingData.put(what, new JsonObject().put("n", s.length).put("p50_ms", pct(s, 50)).put("p90_ms", pct(s, 90))
        .put("p99_ms", pct(s, 99)).put("max_ms", s[s.length - 1]).put("samples_ms", new JsonArray(Arrays.stream(s).boxed().toList())));
      return this;
    }

    /** A scenario-specific check, as it will be asserted. */
    Section check(String what, boolean held) {
      checks.add((held ? "held" : "VIOLATED") + " — " + what);
      return this;
    }

    void verdict(Ledger.Verdict v) {
      invariants.addAll(v.results);
      v.figures.forEach(figures::putIfAbsent);
    }

    static long pct(long[] sorted, int p) {
      int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
  }

  static String fmt(long ms) {
    return ms >= 10_000 ? String.format("%.1f s", ms / 1000.0) : ms + " ms";
  }

  synchronized Section begin(String name, String title) {
    Section s = new Section(name, title);
    sections.add(s);
    return s;
  }

  synchronized void end(Section s, String outcome) {
    s.seconds = (System.currentTimeMillis() - s.startedAt) / 1000;
    s.outcome = outcome;
    write();
    System.out.println(markdown(s));
  }

  private synchronized void write() {
    try {
      Files.createDirectories(dir);
      StringBuilder md = new StringBuilder();
      md.append("# Chaos suite report\n\n");
      md.append("Mode: ").append(longMode ? "long" : "short").append(" · written ").append(Instant.now())
        .append(" · ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs visible to the test JVM\n\n");
      md.append("| scenario | outcome | seconds | invariants |\n|---|---|---:|---|\n");
      for (Section s : sections) {
        long held = s.invariants.stream().filter(Ledger.Result::held).count();
        md.append("| ").append(s.name).append(" | ").append(s.outcome).append(" | ").append(s.seconds).append(" | ")
          .append(held).append("/").append(s.invariants.size()).append(" held |\n");
      }
      md.append('\n');
      for (Section s : sections) {
        md.append(markdown(s)).append('\n');
      }
      Files.writeString(dir.resolve("report.md"), md.toString());
      JsonArray json = new JsonArray();
      for (Section s : sections) {
        JsonObject t = new JsonObject();
        s.timingData.forEach(t::put);
        JsonArray inv = new JsonArray();
        s.invariants.forEach(r -> inv.add(new JsonObject().put("name", r.name()).put("held", r.held())
          .put("checked", r.checked()).put("violations", new JsonArray(r.violations().subList(0, Math.min(20, r.violations().size()))))));
        json.add(new JsonObject().put("scenario", s.name).put("title", s.title).put("outcome", s.outcome)
          .put("seconds", s.seconds).put("parameters", new JsonObject(new LinkedHashMap<>(s.parameters)))
          .put("figures", new JsonObject(stringify(s.figures))).put("timings", t).put("checks", new JsonArray(s.checks))
          .put("invariants", inv).put("notes", new JsonArray(s.notes)));
      }
      Files.writeString(dir.resolve("report.json"), new JsonObject().put("mode", longMode ? "long" : "short")
        .put("scenarios", json).encodePrettily());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> stringify(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, v instanceof Number || v instanceof Boolean || v instanceof String ? v : String.valueOf(v)));
    return out;
  }

  static String markdown(Section s) {
    StringBuilder b = new StringBuilder();
    b.append("## ").append(s.name).append(" — ").append(s.title).append("\n\n");
    b.append("Outcome: **").append(s.outcome).append("** in ").append(s.seconds).append(" s.");
    if (!s.parameters.isEmpty()) {
      b.append(" Parameters: ");
      List<String> ps = new ArrayList<>();
      s.parameters.forEach((k, v) -> ps.add(k + "=" + v));
      b.append(String.join(", ", ps)).append('.');
    }
    b.append("\n\n");
    if (!s.timings.isEmpty()) {
      b.append("| measured | value |\n|---|---|\n");
      s.timings.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
      b.append('\n');
    }
    if (!s.figures.isEmpty()) {
      b.append("| figure | value |\n|---|---:|\n");
      s.figures.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
      b.append('\n');
    }
    if (!s.invariants.isEmpty()) {
      b.append("| invariant | result |\n|---|---|\n");
      s.invariants.forEach(r -> b.append("| ").append(r.name()).append(" | ").append(r.summary().replace("|", "/")).append(" |\n"));
      b.append('\n');
    }
    if (!s.checks.isEmpty()) {
      b.append("Scenario checks:\n\n");
      s.checks.forEach(c -> b.append("- ").append(c).append('\n'));
      b.append('\n');
    }
    if (!s.notes.isEmpty()) {
      s.notes.forEach(n -> b.append("- ").append(n).append('\n'));
      b.append('\n');
    }
    return b.toString();
  }
}
