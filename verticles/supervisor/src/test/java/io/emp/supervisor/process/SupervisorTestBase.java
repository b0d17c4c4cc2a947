package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.fail;

import io.emp.core.config.EnvConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Vert.x, a temp dir, and helpers to run a supervisor over a spec written by the test, with real
 * child processes (bash scripts, {@code sleep}, the JDK's {@code java} on a source-file fixture).
 * Waits are bounded polls on observable conditions; the JUnit thread never runs supervisor code.
 */
abstract class SupervisorTestBase {
  static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir
  Path tmp;
  Vertx vertx;
  ProcessSupervisor supervisor;
  /** Every status change, in order, with the time it was seen. */
  final List<Change> changes = new CopyOnWriteArrayList<>();

  record Change(long atMs, ServiceStatus status) {
  }

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (supervisor != null) {
      await(supervisor.close());
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A supervisor over {@code yaml}, with {@code EMP_RUN_DIR} in the temp dir; kv are extra variables. */
  ProcessSupervisor supervisor(String yaml, String... kv) throws IOException {
    Path spec = tmp.resolve("machine.yaml");
    Files.writeString(spec, yaml);
    Map<String, String> vars = new HashMap<>();
    vars.put("EMP_MACHINE_SPEC", spec.toString());
    vars.put("EMP_RUN_DIR", tmp.resolve("run").toString());
    for (int i = 0; i + 1 < kv.length; i += 2) {
      vars.put(kv[i], kv[i + 1]);
    }
    EnvConfig env = EnvConfig.of(vars);
    ProcessConfig config = ProcessConfig.from(env);
    MachinePlan plan = MachinePlan.load(config, env, new GpuDetector(tmp.resolve("no-nvidia-smi").toString()));
    supervisor = new ProcessSupervisor(vertx, plan, LogFiles.from(config));
    supervisor.onChange(st -> changes.add(new Change(System.currentTimeMillis(), st)));
    return supervisor;
  }

  /** An executable bash script in the temp dir; returns its path for a spec's command. */
  Path script(String name, String body) throws IOException {
    Path p = tmp.resolve(name + ".sh");
    Files.writeString(p, "#!/bin/bash\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static Path fixture(String name) {
    try {
      return Path.of(SupervisorTestBase.class.getResource("/process/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The failure message of a future that must fail. */
  static String failure(Future<?> f) throws InterruptedException {
    try {
      f.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause().getMessage();
    } catch (TimeoutException e) {
      fail("still running after " + WAIT);
    }
    return fail("expected a failure");
  }

  static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for: " + what);
      }
      Thread.sleep(20);
    }
  }

  ServiceStatus status(String name) {
    return supervisor.status().stream().filter(s -> s.name().equals(name)).findFirst()
      .orElseThrow(() -> new AssertionError("no instance " + name + " in " + supervisor.status()));
  }

  void waitForState(String name, ServiceState state) throws InterruptedException {
    waitUntil(name + " " + state.wire() + " (now " + status(name) + ")", () -> status(name).state() == state);
  }

  /** The instance's in-memory tail contains a line with {@code text}. */
  void waitForLine(String name, String text) throws InterruptedException {
    waitUntil(name + " prints " + text + " (tail: " + supervisor.tail(name, 20) + ")",
      () -> supervisor.tail(name, 1000).stream().anyMatch(l -> l.contains(text)));
  }

  /**
   * The first tail line of the instance that contains {@code text}, from {@code text} on. Waits for it:
   * stdout is read asynchronously, so a TCP or HTTP probe can see the port open before the line that the
   * process printed just before binding has reached the tail.
   */
  String line(String name, String text) throws InterruptedException {
    waitForLine(name, text);
    return supervisor.tail(name, 1000).stream().filter(l -> l.contains(text)).findFirst()
      .map(l -> l.substring(l.indexOf(text)))
      .orElseThrow(() -> new AssertionError(name + " never printed " + text + ": " + supervisor.tail(name, 50)));
  }

  /** The instance's changes into {@code state}, as seen by the listener (a pid change repeats the state). */
  List<Change> changes(String name, ServiceState state) {
    return changes.stream().filter(c -> c.status().name().equals(name) && c.status().state() == state).toList();
  }

  /** When each process of the instance was spawned: the first change showing its pid. */
  List<Change> spawns(String name) {
    Set<Long> seen = new HashSet<>();
    return changes.stream()
      .filter(c -> c.status().name().equals(name) && c.status().pid() != null && seen.add(c.status().pid()))
      .toList();
  }
}
