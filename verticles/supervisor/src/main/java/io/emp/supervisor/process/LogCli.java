package io.emp.supervisor.process;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code emp-supervisor logs <service|instance> [-n N] [-f]}: the last N lines (default 50) of an
 * instance's stdout and stderr files, merged by time, or of every instance of a service
 * ({@code comfyui} → {@code comfyui-gpu0}, {@code comfyui-gpu1}…); {@code -f} then follows them across
 * rotation until interrupted. Reads the files only, so it works while the supervisor runs or after it
 * stopped. Names are checked against the files present: nothing is built from unchecked input.
 */
public final class LogCli {
  public static final int DEFAULT_LINES = 50;
  static final String USAGE = "usage: emp-supervisor logs <service|instance> [-n N] [-f]";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,80}");
  private static final Pattern LOG_FILE = Pattern.compile("(.+)-(out|err)\\.log");
  private static final long POLL_MS = 250;

  private LogCli() {
  }

  /** Same as {@link #run(Path, List, PrintStream, PrintStream)} with errors on {@code out}. */
  public static int run(Path logDir, List<String> args, PrintStream out) {
    return run(logDir, args, out, out);
  }

  /**
   * Runs the command; blocks while following. Exit codes: 0 done (or interrupted while following),
   * 1 no logs for that name or an I/O error, 2 bad arguments.
   */
  public static int run(Path logDir, List<String> args, PrintStream out, PrintStream err) {
    Args a;
    try {
      a = Args.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("emp-supervisor logs: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (a.help) {
      out.println(USAGE);
      return 0;
    }
    try {
      List<String> instances = instancesFor(logDir, a.name);
      if (instances.isEmpty()) {
        err.println("emp-supervisor logs: no log files for '" + a.name + "' in " + logDir + " (known: "
          + String.join(", ", knownInstances(logDir)) + ")");
        return 1;
      }
      return show(logDir, instances, a, out);
    } catch (IOException e) {
      err.println("emp-supervisor logs: " + e);
      return 1;
    }
  }

  private static int show(Path dir, List<String> instances, Args a, PrintStream out) throws IOException {
    List<Source> sources = new ArrayList<>();
    for (String i : instances) {
      for (String stream : List.of("out", "err")) {
        sources.add(new Source(i + "/" + stream, new LogReader.Follower(LogFiles.file(dir, i, stream))));
      }
    }
    try {
      List<String[]> last = new ArrayList<>();
      for (Source s : sources) {
        for (String line : LogReader.lastLines(s.follower.path(), a.lines, s.follower.position())) {
          last.add(new String[] {line, s.label});
        }
      }
      last.sort(Comparator.comparing(l -> timeOf(l[0]))); // stable: equal times keep file order
      last.subList(0, Math.max(0, last.size() - a.lines)).clear();
      last.forEach(l -> out.println(l[1] + " | " + l[0]));
      out.flush();
      return a.follow ? follow(sources, out) : 0;
    } finally {
      for (Source s : sources) {
        s.follower.close();
      }
    }
  }

  private static int follow(List<Source> sources, PrintStream out) throws IOException {
    while (!Thread.currentThread().isInterrupted() && !out.checkError()) {
      for (Source s : sources) {
        for (String line : s.follower.poll()) {
          out.println(s.label + " | " + line);
        }
      }
      out.flush();
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return 0;
  }

  private static String timeOf(String line) {
    return line.length() >= 24 && line.charAt(23) == 'Z' ? line.substring(0, 24) : "";
  }

  /** {@code name} itself when it has log files, else the instances of service {@code name}, in GPU/index order. */
  static List<String> instancesFor(Path dir, String name) throws IOException {
    TreeSet<String> known = knownInstances(dir);
    if (known.contains(name)) {
      return List.of(name);
    }
    Pattern mine = Pattern.compile(Pattern.quote(name) + "-(?:gpu)?([0-9]+)");
    List<String> out = new ArrayList<>();
    for (String k : known) {
      if (mine.matcher(k).matches()) {
        out.add(k);
      }
    }
    out.sort(Comparator.comparingInt(k -> {
      Matcher m = mine.matcher(k);
      return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }));
    return out;
  }

  static TreeSet<String> knownInstances(Path dir) throws IOException {
    TreeSet<String> out = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.log")) {
      for (Path f : files) {
        Matcher m = LOG_FILE.matcher(f.getFileName().toString());
        if (m.matches()) {
          out.add(m.group(1));
        }
      }
    }
    return out;
  }

  private record Source(String label, LogReader.Follower follower) {
  }

  private static final class Args {
    String name;
    int lines = DEFAULT_LINES;
    boolean follow;
    boolean help;

    static Args parse(List<String> args) {
      Args a = new Args();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        switch (arg) {
          case "-f", "--follow" -> a.follow = true;
          case "-h", "--help" -> a.help = true;
          case "-n", "--lines" -> {
            if (++i >= args.size()) {
              throw new IllegalArgumentException(arg + " needs a number");
            }
            a.lines = lines(args.get(i));
          }
          default -> {
            if (arg.startsWith("-")) {
              throw new IllegalArgumentException("unknown option " + arg);
            }
            if (a.name != null) {
              throw new IllegalArgumentException("one service at a time (got " + a.name + " and " + arg + ")");
            }
            if (!NAME.matcher(arg).matches()) {
              throw new IllegalArgumentException("invalid service name '" + arg + "'");
            }
            a.name = arg;
          }
        }
      }
      if (a.name == null && !a.help) {
        throw new IllegalArgumentException("which service?");
      }
      return a;
    }

    private static int lines(String v) {
      try {
        int n = Integer.parseInt(v);
        if (n >= 0 && n <= 1_000_000) {
          return n;
        }
      } catch (NumberFormatException e) {
        // fall through
      }
      throw new IllegalArgumentException("-n wants a line count, not '" + v + "'");
    }
  }
}
