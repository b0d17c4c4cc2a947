package io.emp.supervisor.nodes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one program from an argv array (never through a shell), with stdin closed, stdout and stderr
 * captured apart (the last {@value #KEEP_BYTES} bytes of each), and a deadline after which the
 * program and its descendants are killed.
 */
final class ProcessRunner {
  static final int KEEP_BYTES = 64 * 1024;

  private ProcessRunner() {
  }

  record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
    boolean ok() {
      return exitCode == 0 && !timedOut;
    }

    /** The last non-blank lines of stderr (stdout when stderr is empty), for a one-line reason. */
    String tail(int lines) {
      String text = stderr.isBlank() ? stdout : stderr;
      List<String> all = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
      return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
  }

  /**
   * @param extraEnv added to this process's environment for the child
   * @throws IOException when the program cannot be started (not found, not executable)
   */
  static Result run(List<String> argv, Path cwd, Map<String, String> extraEnv, Duration timeout)
    throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(argv)
      .directory(cwd.toFile())
      .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().putAll(extraEnv);
    Process process = builder.start();
    Tail out = Tail.start(process.getInputStream(), "emp-nodes-stdout");
    Tail err = Tail.start(process.getErrorStream(), "emp-nodes-stderr");
    boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      kill(process);
    }
    return new Result(finished ? process.exitValue() : -1, out.text(), err.text(), !finished);
  }

  private static void kill(Process process) throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Drains a stream, keeping its end. */
  private static final class Tail implements Runnable {
    private final InputStream in;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private Thread thread;

    private Tail(InputStream in) {
      this.in = in;
    }

    static Tail start(InputStream in, String name) {
      Tail tail = new Tail(in);
      tail.thread = new Thread(tail, name);
      tail.thread.setDaemon(true);
      tail.thread.start();
      return tail;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          append(buffer, n);
        }
      } catch (IOException e) {
        // the process was killed or closed its output: keep what was read
      }
    }

    private synchronized void append(byte[] buffer, int n) {
      kept.write(buffer, 0, n);
      if (kept.size() > 2 * KEEP_BYTES) {
        byte[] all = kept.toByteArray();
        kept.reset();
        kept.write(all, all.length - KEEP_BYTES, KEEP_BYTES);
      }
    }

    /** Waits (bounded: a killed program's orphans may hold the pipe) for the end of the stream. */
    String text() throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(10));
      return snapshot();
    }

    private synchronized String snapshot() {
      byte[] all = kept.toByteArray();
      int from = Math.max(0, all.length - KEEP_BYTES);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    }
  }
}
