package io.emp.bench.sim;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a run's figures ({@link ReportNumbers}) as a Markdown summary and a self-contained HTML
 * page with inline SVG charts: wait percentiles over time per pool, queue depth and held jobs,
 * machines alive, completions and failures (preemptions marked).
 */
public final class SimReport {
  /** Facts about the run that are not figures: when, where, how compressed. */
  public record Meta(String scenarioFile, String startedAt, double realSeconds, String machine,
                     FleetClock.Timings timings) {
  }

  private final Scenario scenario;
  private final JsonObject n;
  private final Meta meta;

  public SimReport(Scenario scenario, JsonObject numbers, Meta meta) {
    this.scenario = scenario;
    this.n = numbers;
    this.meta = meta;
  }

  /** The north-star checks: name → {met, value}. */
  public Map<String, String[]> checks() {
    Map<String, String[]> c = new java.util.LinkedHashMap<>();
    JsonObject t = n.getJsonObject("totals");
    c.put("0 lost", verdict(t.getInteger("lost") == 0, t.getInteger("lost") + " lost"));
    c.put("0 duplicated", verdict(t.getInteger("duplicated") == 0, t.getInteger("duplicated") + " duplicated"));
    double share = t.getDouble("completed_share");
    c.put(">= 99.9 % completed", verdict(share >= 0.999, pct(share)));
    JsonObject fast = n.getJsonObject("wait_by_pool").getJsonObject("fast");
    if (fast != null) {
      c.put("p95 wait of fast-pool jobs < 10 s", verdict(fast.getLong("p95") < 10_000, secs(fast.getLong("p95"))));
    }
    JsonObject r = n.getJsonObject("routing");
    if (r.getInteger("completed_with_pool") > 0) {
      c.put(">= 95 % on their optimal pool", verdict(r.getDouble("optimal_share") >= 0.95, pct(r.getDouble("optimal_share"))));
    }
    return c;
  }

  private static String[] verdict(boolean met, String value) {
    return new String[] {met ? "met" : "MISSED", value};
  }

  public String markdown() {
    StringBuilder b = new StringBuilder();
    JsonObject t = n.getJsonObject("totals");
    b.append("# Fleet simulation: ").append(scenario.name()).append("\n\n");
    if (!scenario.description().isBlank()) {
      b.append(scenario.description().trim()).append("\n\n");
    }
    b.append(String.format(Locale.ROOT, "Scenario `%s`, seed %d. **%s simulated in %.1f s real: time compressed %sx** "
        + "(%s simulated per real second). Started %s on %s.%n%n", meta.scenarioFile(), scenario.seed(),
      Units.formatDuration(scenario.durationMs()), meta.realSeconds(), num(scenario.timeScale()),
      Units.formatDuration(scenario.timeScale() * 1_000), meta.startedAt(), meta.machine()));
    b.append("## Checks\n\n| check | result | value |\n|---|---|---|\n");
    checks().forEach((k, v) -> b.append("| ").append(k).append(" | **").append(v[0]).append("** | ").append(v[1]).append(" |\n"));
    b.append("\n## Jobs\n\n| submitted | completed | failed | cancelled | lost | duplicated | lease losses "
      + "(requeued after preemption) | released on drain | retries | executed more than once |\n"
      + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    b.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |%n%n", t.getInteger("submitted"),
      t.getInteger("completed"), t.getInteger("failed"), t.getInteger("cancelled"), t.getInteger("lost"),
      t.getInteger("duplicated"), t.getInteger("lease_losses"), t.getInteger("released_on_drain"), t.getInteger("retries"),
      t.getInteger("re_executed")));
    b.append(String.format(Locale.ROOT, "Duplicates are counted two ways: `job.completed` events per job in the broker's "
        + "event stream (%d jobs with more than one) and completions acknowledged to the submitting client over SSE "
        + "(%d jobs with more than one; %d completed jobs whose completion the client did not see). Rejected "
        + "submissions: %d. Unfinished at the end, by status: %s.%n%n", t.getInteger("duplicate_completion_events"),
      t.getInteger("duplicate_client_acks"), t.getInteger("client_acks_missing"), t.getInteger("rejected_submissions"),
      t.getJsonObject("unfinished_by_status").isEmpty() ? "none" : t.getJsonObject("unfinished_by_status").encode()));
    b.append("## Wait (submit → first assignment), simulated time\n\n");
    b.append(waitTable("pool (the class's optimal pool)", n.getJsonObject("wait_by_pool")));
    b.append('\n').append(waitTable("job class", n.getJsonObject("wait_by_class"))).append('\n');
    JsonObject r = n.getJsonObject("routing");
    b.append(String.format(Locale.ROOT, "## Routing%n%nOptimal-routing share: **%s** (%d of %d completed jobs ran on a "
        + "machine of their optimal pool). Rows: a job's optimal pool; columns: the pool of the machine that "
        + "completed it.%n%n", pct(r.getDouble("optimal_share")), r.getInteger("on_optimal_pool"),
      r.getInteger("completed_with_pool")));
    b.append(matrix(r.getJsonObject("optimal_pool_to_machine_pool"))).append('\n');
    JsonObject m = n.getJsonObject("models");
    JsonObject dw = m.getJsonObject("download_wait");
    b.append(String.format(Locale.ROOT, "## Models%n%nModel-warm share: **%s** (%d of %d completed jobs that need a model "
        + "found it on the machine's disk). First-use download wait of the other %d: p50 %s, p95 %s, max %s; "
        + "mean over all model jobs %s. Model routing: `%s`.%n%n", pct(m.getDouble("warm_share")), m.getInteger("warm"),
      m.getInteger("completed_with_model"), m.getInteger("cold"), secs(dw.getLong("p50")), secs(dw.getLong("p95")),
      secs(dw.getLong("max")), secs(m.getLong("download_wait_mean_over_model_jobs")),
      scenario.modelRouting().name().toLowerCase(Locale.ROOT)));
    b.append(String.format(Locale.ROOT, "Total first-use download wait over all completed model jobs: %s.%n%n",
      secs(m.getLong("download_wait_total", 0L))));
    JsonObject byClass = m.getJsonObject("by_class", new JsonObject());
    if (!byClass.isEmpty()) {
      b.append("| job class | model jobs | warm | total download wait |\n|---|---:|---:|---:|\n");
      byClass.forEach(e -> {
        JsonObject c = (JsonObject) e.getValue();
        b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", e.getKey(), c.getInteger("jobs"),
          pct(c.getInteger("warm") / (double) Math.max(1, c.getInteger("jobs"))), secs(c.getLong("download_wait_total"))));
      });
      b.append('\n');
    }
    JsonObject counters = n.getJsonObject("counters", new JsonObject());
    if (!counters.isEmpty()) {
      b.append("Counters (assignments by `route` and `models` of `job.assigned`; `machine_*`: what the simulated "
        + "machines did — commands received, prefetch and evict outcomes, downloads started by jobs and prefetches):\n\n");
      b.append("| counter | n |\n|---|---|\n");
      counters.forEach(e -> b.append("| `").append(e.getKey()).append("` | ").append(e.getValue()).append(" |\n"));
      b.append('\n');
    }
    b.append(fleet());
    b.append(compression());
    JsonObject lag = n.getJsonObject("submit_lag");
    b.append(String.format(Locale.ROOT, "Load generator lag (planned arrival → 201 from the api, simulated): p50 %s, "
      + "p99 %s, max %s. A large lag means the machine running the simulation was saturated.%n",
      secs(lag.getLong("p50")), secs(lag.getLong("p99")), secs(lag.getLong("max"))));
    return b.toString();
  }

  private String fleet() {
    Map<String, int[]> by = new TreeMap<>();
    for (Object o : n.getJsonObject("series").getJsonArray("machine_events")) {
      JsonObject e = (JsonObject) o;
      int[] c = by.computeIfAbsent(e.getString("group"), k -> new int[4]);
      switch (e.getString("action")) {
        case "join" -> c[0]++;
        case "drain" -> c[1]++;
        case "preempt" -> c[2]++;
        default -> c[3]++;
      }
    }
    StringBuilder b = new StringBuilder("## Fleet\n\n| group | pool | GPUs × slots | joined | drained | preempted (kill -9) "
      + "| failed to start |\n|---|---|---|---:|---:|---:|---:|\n");
    for (Scenario.MachineGroup g : scenario.machines()) {
      int[] c = by.getOrDefault(g.name(), new int[4]);
      b.append(String.format(Locale.ROOT, "| %s | %s%s | %d × %d | %d | %d | %d | %d |%n", g.name(), g.pool() == null ? "-" : g.pool(),
        g.pool() != null && !g.advertisePool() ? " (not advertised)" : "", g.gpus(), g.slots(), c[0], c[1], c[2], c[3]));
    }
    return b.append('\n').toString();
  }

  private String compression() {
    StringBuilder b = new StringBuilder("## Time compression\n\n");
    b.append(String.format(Locale.ROOT, "Every duration in this report is simulated. The broker ran in real time with the "
      + "settings below (real → what they amount to in simulated time). Floors keep the real broker from spinning, so "
      + "some settings are longer than the scenario asked for; every real overhead (HTTP, Redis round trips, the JVM "
      + "sharing %s) is magnified %sx in simulated time.%n%n| setting | real | simulated |%n|---|---:|---:|%n",
      "the machine", num(scenario.timeScale())));
    Map<String, Long> real = meta.timings().real();
    Map<String, Long> sim = meta.timings().simulated(scenario.timeScale());
    real.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" ms | ")
      .append(Units.formatDuration(sim.get(k))).append(" |\n"));
    return b.append('\n').toString();
  }

  private static String waitTable(String key, JsonObject by) {
    StringBuilder b = new StringBuilder("| " + key + " | jobs | p50 | p95 | p99 | max |\n|---|---:|---:|---:|---:|---:|\n");
    by.forEach(e -> {
      JsonObject s = (JsonObject) e.getValue();
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", e.getKey(), s.getInteger("count"),
        secs(s.getLong("p50")), secs(s.getLong("p95")), secs(s.getLong("p99")), secs(s.getLong("max"))));
    });
    return b.toString();
  }

  private static String matrix(JsonObject m) {
    List<String> cols = new ArrayList<>();
    m.forEach(e -> ((JsonObject) e.getValue()).fieldNames().forEach(c -> {
      if (!cols.contains(c)) {
        cols.add(c);
      }
    }));
    cols.sort(null);
    if (cols.isEmpty()) {
      return "(no completed jobs)\n";
    }
    StringBuilder b = new StringBuilder("| optimal ↓ / ran on → |");
    cols.forEach(c -> b.append(' ').append(c).append(" |"));
    b.append("\n|---|").append("---:|".repeat(cols.size())).append('\n');
    m.forEach(e -> {
      b.append("| ").append(e.getKey()).append(" |");
      cols.forEach(c -> b.append(' ').append(((JsonObject) e.getValue()).getInteger(c, 0)).append(" |"));
      b.append('\n');
    });
    return b.toString();
  }

  public String html() {
    JsonObject series = n.getJsonObject("series");
    List<SvgChart.Marker> preemptions = new ArrayList<>();
    for (Object o : series.getJsonArray("machine_events")) {
      JsonObject e = (JsonObject) o;
      if ("preempt".equals(e.getString("action"))) {
        preemptions.add(new SvgChart.Marker(e.getLong("at") / 60_000.0, "preempted " + e.getString("machine")));
      }
    }
    StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset='utf-8'><title>Fleet simulation: ")
      .append(SvgChart.esc(scenario.name())).append("</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;"
        + "color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        + "td:first-child,th:first-child{text-align:left}.met{color:#2a7d2a;font-weight:bold}.MISSED{color:#c00;font-weight:bold}"
        + "pre{white-space:pre-wrap}</style></head><body>");
    b.append(markdownToHtml(markdown()));
    b.append("<h2>Charts</h2>");
    b.append(waitChart(series, "p95", preemptions)).append("<br>");
    b.append(waitChart(series, "p50", preemptions)).append("<br>");
    b.append(sampleChart(series, "Queue depth and held jobs", "jobs", List.of("queued", "held", "delayed"), preemptions))
      .append("<br>");
    b.append(sampleChart(series, "Machines alive and busy", "machines", List.of("alive", "busy"), preemptions)).append("<br>");
    b.append(countChart(series, preemptions));
    return b.append("</body></html>").toString();
  }

  private String waitChart(JsonObject series, String p, List<SvgChart.Marker> markers) {
    Map<String, List<double[]>> byPool = new TreeMap<>();
    for (Object o : series.getJsonArray("wait")) {
      JsonObject w = (JsonObject) o;
      double x = w.getLong("at") / 60_000.0;
      w.getJsonObject("pools").forEach(e -> byPool.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
        .add(new double[] {x, ((JsonObject) e.getValue()).getLong(p) / 1_000.0}));
    }
    List<SvgChart.Series> s = new ArrayList<>();
    byPool.forEach((k, v) -> s.add(new SvgChart.Series(k, v)));
    return SvgChart.render("Wait " + p + " per pool (by minute of assignment)", "seconds", s, markers);
  }

  private String sampleChart(JsonObject series, String title, String unit, List<String> keys, List<SvgChart.Marker> markers) {
    List<SvgChart.Series> s = new ArrayList<>();
    for (String k : keys) {
      List<double[]> pts = new ArrayList<>();
      for (Object o : series.getJsonArray("samples")) {
        JsonObject x = (JsonObject) o;
        pts.add(new double[] {x.getLong("at") / 60_000.0, x.getLong(k)});
      }
      s.add(new SvgChart.Series(k, pts));
    }
    return SvgChart.render(title, unit, s, markers);
  }

  private String countChart(JsonObject series, List<SvgChart.Marker> markers) {
    long bucket = series.getLong("bucket_ms");
    List<SvgChart.Series> s = new ArrayList<>();
    for (String k : List.of("completions", "failures")) {
      List<double[]> pts = new ArrayList<>();
      for (Object o : series.getJsonArray(k)) {
        JsonObject x = (JsonObject) o;
        pts.add(new double[] {x.getLong("at") / 60_000.0, x.getLong("n")});
      }
      s.add(new SvgChart.Series(k, pts));
    }
    return SvgChart.render("Completions and failures per " + Units.formatDuration(bucket), "jobs", s, markers);
  }

  /** Just enough Markdown for our own summary: headings, tables, paragraphs, bold and code. */
  static String markdownToHtml(String md) {
    StringBuilder b = new StringBuilder();
    String[] lines = md.split("\n");
    boolean table = false;
    boolean header = false;
    for (String line : lines) {
      if (line.startsWith("|")) {
        if (line.matches("\\|[-:| ]+\\|")) {
          continue;
        }
        if (!table) {
          b.append("<table>");
          table = true;
          header = true;
        }
        String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
        b.append("<tr>");
        for (String c : cells) {
          String inner = inline(c.trim());
          String cls = inner.contains(">met<") ? " class='met'" : inner.contains(">MISSED<") ? " class='MISSED'" : "";
          b.append(header ? "<th>" : "<td" + cls + ">").append(inner).append(header ? "</th>" : "</td>");
        }
        b.append("</tr>");
        header = false;
        continue;
      }
      if (table) {
        b.append("</table>");
        table = false;
      }
      if (line.startsWith("## ")) {
        b.append("<h2>").append(inline(line.substring(3))).append("</h2>");
      } else if (line.startsWith("# ")) {
        b.append("<h1>").append(inline(line.substring(2))).append("</h1>");
      } else if (!line.isBlank()) {
        b.append("<p>").append(inline(line)).append("</p>");
      }
    }
    if (table) {
      b.append("</table>");
    }
    return b.toString();
  }

  private static String inline(String s) {
    return SvgChart.esc(s).replaceAll("\\*\\*([^*]+)\\*\\*", "<b>$1</b>").replaceAll("`([^`]+)`", "<code>$1</code>");
  }

  static String secs(long ms) {
    return Units.formatDuration(ms);
  }

  static String pct(double share) {
    return String.format(Locale.ROOT, "%.2f %%", share * 100);
  }

  private static String num(double v) {
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v);
  }

  /** All numbers plus the checks, for target/…/report.json. */
  public JsonObject json() {
    JsonObject checks = new JsonObject();
    checks().forEach((k, v) -> checks.put(k, new JsonObject().put("result", v[0]).put("value", v[1])));
    return n.copy().put("scenario", scenario.name()).put("time_scale", scenario.timeScale())
      .put("simulated_ms", scenario.durationMs()).put("real_seconds", meta.realSeconds())
      .put("started_at", meta.startedAt()).put("machine", meta.machine()).put("checks", checks)
      .put("timings_real_ms", new JsonObject(new java.util.LinkedHashMap<>(meta.timings().real())));
  }
}
