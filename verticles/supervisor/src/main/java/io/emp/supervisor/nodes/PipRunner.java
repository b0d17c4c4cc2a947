package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs {@code <pip> install -r requirements.txt} in a node's directory, one at a time per Python
 * environment. The original ran up to five pips on one site-packages at once, which races on
 * shared packages; here every installer of this JVM that uses the same pip command (the same
 * environment) takes the same lock. {@link NodeInstaller} also feeds pip from a single thread, so
 * clones go on while pip works.
 */
final class PipRunner {
  private static final ConcurrentHashMap<List<String>, ReentrantLock> ENVIRONMENTS = new ConcurrentHashMap<>();
  private static final Map<String, String> ENV = Map.of(
    "PIP_NO_INPUT", "1",
    "PIP_DISABLE_PIP_VERSION_CHECK", "1");

  private final List<String> command;
  private final Duration timeout;

  PipRunner(List<String> command, Duration timeout) {
    this.command = List.copyOf(command);
    this.timeout = timeout;
  }

  /** The pip command as one line, recorded in the manifest: another pip means another environment. */
  String describe() {
    return String.join(" ", command);
  }

  void installRequirements(Path nodeDir) throws NodeFailure {
    List<String> argv = new ArrayList<>(command);
    argv.addAll(List.of("install", "-r", "requirements.txt"));
    ReentrantLock lock = ENVIRONMENTS.computeIfAbsent(command, c -> new ReentrantLock(true));
    lock.lock();
    try {
      ProcessRunner.Result r = ProcessRunner.run(argv, nodeDir, ENV, timeout);
      if (r.timedOut()) {
        throw new NodeFailure("pip install timed out after " + timeout.toSeconds() + " s");
      }
      if (r.exitCode() != 0) {
        throw new NodeFailure("pip install -r requirements.txt failed (exit " + r.exitCode() + "): " + r.tail(3));
      }
    } catch (IOException e) {
      throw new NodeFailure("cannot run pip (" + describe() + "): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeFailure("interrupted during pip install");
    } finally {
      lock.unlock();
    }
  }
}
