package io.emp.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real role JVM started from its fat jar ({@code emp.<role>.jar} system property, else
 * {@code ../<role>/target/emp-<role>.jar}), for tests that kill, pause and terminate processes with
 * real signals. Output goes to a log file the test can wait on.
 */
public final class RoleProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private final String role;

  private RoleProcess(String role, Process process, Path log) {
    this.role = role;
    this.process = process;
    this.log = log;
  }

  /** A worker JVM. */
  public static RoleProcess start(Map<String, String> env) throws IOException {
    return start("worker", env, List.of());
  }

  public static RoleProcess start(String role, Map<String, String> env, List<String> args) throws IOException {
    Path jar = Path.of(System.getProperty("emp." + role + ".jar", "../" + role + "/target/emp-" + role + ".jar"))
      .toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException(role + " jar not built: " + jar + " (run mvn package first)");
    }
    Path log = Files.createTempFile("emp-" + role + "-", ".log");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return new RoleProcess(role, pb.start(), log);
  }

  public String role() {
    return role;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits until the log contains {@code text}; fails with the log when it does not appear. */
  public void awaitLog(String text, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (output().contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(role + " exited (" + process.exitValue() + ") before logging '" + text + "':\n" + output());
      }
      sleep(50);
    }
    throw new AssertionError(role + " did not log '" + text + "' within " + timeoutMs + " ms:\n" + output());
  }

  /** SIGKILL: no shutdown hook, no goodbye — the machine is gone. */
  public void kill9() {
    signal("KILL");
    waitExit(10_000);
  }

  public void pause() {
    signal("STOP");
  }

  public void resume() {
    signal("CONT");
  }

  /** SIGTERM and wait for a graceful exit. Returns the exit code. */
  public int terminate(long timeoutMs) {
    signal("TERM");
    return waitExit(timeoutMs);
  }

  private int waitExit(long timeoutMs) {
    try {
      if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        throw new AssertionError(role + " did not exit within " + timeoutMs + " ms:\n" + output());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void signal(String sig) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // temp file
    }
  }
}
