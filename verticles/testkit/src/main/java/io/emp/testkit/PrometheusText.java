package io.emp.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks of a role's {@code /metrics} text: the documented names of the role (from
 * {@code docs/metrics.md}), a structural parse of the exposition format, and {@code promtool check
 * metrics} when promtool is installed (Debian {@code prometheus}).
 */
public final class PrometheusText {
  /** Upstream JVM meter names promtool's lint rejects; the only problems allowed (docs/metrics.md). */
  public static final Set<String> UPSTREAM_LINT = Set.of("jvm_compilation_time_ms_total", "process_cpu_time_ns_total",
    "system_cpu_count");
  private static final Pattern SAMPLE = Pattern.compile(
    "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( [0-9]+)?$");
  private static final Pattern TYPE = Pattern.compile("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$");

  private PrometheusText() {
  }

  /** Metric families declared by {@code # TYPE} lines. */
  public static Set<String> families(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : text.split("\n")) {
      Matcher m = TYPE.matcher(line);
      if (m.matches()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** Lines that are neither comments, blank, nor well-formed samples (empty = the text parses). */
  public static List<String> malformed(String text) {
    List<String> bad = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("# HELP ") || TYPE.matcher(line).matches()) {
        continue;
      }
      if (!SAMPLE.matcher(line).matches()) {
        bad.add(line);
      }
    }
    return bad;
  }

  /** The names docs/metrics.md lists for one role (the first column of the table under "## <role>"). */
  public static List<String> documented(String role) {
    Path doc = locateDocs().resolve("metrics.md");
    List<String> names = new ArrayList<>();
    boolean in = false;
    try {
      for (String line : Files.readAllLines(doc, StandardCharsets.UTF_8)) {
        if (line.startsWith("## ")) {
          in = line.substring(3).trim().toLowerCase().startsWith(role.toLowerCase());
          continue;
        }
        if (in && line.startsWith("| `")) {
          Matcher m = Pattern.compile("`([a-z_]+)`").matcher(line.substring(0, line.indexOf('|', 2)));
          while (m.find()) {
            if (!m.group(1).startsWith("vertx_")) {
              names.add(m.group(1));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + doc, e);
    }
    if (names.isEmpty()) {
      throw new IllegalStateException("docs/metrics.md has no table for role " + role);
    }
    return names;
  }

  /** Whether the text has a sample of this name, or declares a family of it that has samples. */
  public static boolean serves(String text, String name) {
    if (Pattern.compile("(?m)^" + Pattern.quote(name) + "[ {]").matcher(text).find()) {
      return true;
    }
    return families(text).contains(name)
      && Pattern.compile("(?m)^" + Pattern.quote(name) + "_(bucket|count|sum)[ {]").matcher(text).find();
  }

  /** promtool's complaints other than {@link #UPSTREAM_LINT}; null when promtool is not installed. */
  public static List<String> promtoolProblems(String text) {
    Path promtool = Path.of("/usr/bin/promtool");
    if (!Files.isExecutable(promtool)) {
      return null;
    }
    try {
      Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(text.getBytes(StandardCharsets.UTF_8));
      }
      String out;
      try (InputStream o = p.getInputStream()) {
        out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("promtool did not finish");
      }
      List<String> problems = new ArrayList<>();
      for (String line : out.split("\n")) {
        String name = line.contains(" ") ? line.substring(0, line.indexOf(' ')) : line;
        if (!line.isBlank() && !UPSTREAM_LINT.contains(name)) {
          problems.add(line);
        }
      }
      return problems;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run promtool", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path locateDocs() {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 5 && dir != null; i++) {
      if (Files.isRegularFile(dir.resolve("docs/metrics.md"))) {
        return dir.resolve("docs");
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("docs/metrics.md not found above " + Path.of("").toAbsolutePath());
  }
}
