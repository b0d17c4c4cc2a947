package io.emp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A worker role in its own JVM, from {@code verticles/worker/target/emp-worker.jar}. */
final class WorkerJvm implements AutoCloseable {
  private final Process process;
  private final Path log;

  private WorkerJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts the JVM and waits until {@code ready} is true (e.g. its workers are registered). */
  static WorkerJvm start(Map<String, String> env, java.util.function.BooleanSupplier ready) {
    Path jar = Path.of(System.getProperty("emp.worker.jar", "verticles/worker/target/emp-worker.jar")).toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException("worker jar not found: " + jar + " (build with mvn -DskipTests package)");
    }
    try {
      Path log = Files.createTempFile("emp-bench-worker-", ".log");
      ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-jar", jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      WorkerJvm w = new WorkerJvm(pb.start(), log);
      w.await(ready, 60_000);
      return w;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void await(java.util.function.BooleanSupplier ready, long timeoutMs) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (ready.getAsBoolean()) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("worker JVM exited:\n" + Files.readString(log));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    throw new IllegalStateException("worker JVM did not start:\n" + Files.readString(log));
  }

  /** SIGKILL (kill -9): no shutdown hook, no release, no deregister — the machine is gone. */
  void kill9() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      Files.deleteIfExists(log);
    } catch (InterruptedException | IOException e) {
      process.destroyForcibly();
    }
  }
}
