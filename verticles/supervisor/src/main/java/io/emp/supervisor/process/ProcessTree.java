package io.emp.supervisor.process;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Stopping a child and everything it started, and measuring it. The waits are completion stages
 * re-dispatched onto the caller's context; signals and {@code /proc} reads run in
 * {@code executeBlocking}. Never blocks an event loop.
 */
final class ProcessTree {
  /** After SIGKILL: how long to wait for the kernel to take the processes away. */
  static final long KILL_WAIT_MS = 5_000;
  private static final long POLL_MS = 50;

  private ProcessTree() {
  }

  /**
   * SIGTERM to {@code process}; if it has not exited after {@code graceMs}, SIGKILL to it and to its
   * whole tree. The tree is captured before the first signal, so grandchildren that get re-parented
   * when their parent dies are still found. When the process exits in time, descendants it left
   * behind get SIGTERM and, at the same deadline, SIGKILL. Completes on {@code ctx} with true when a
   * SIGKILL was needed for the process itself.
   */
  static Future<Boolean> terminate(Context ctx, Process process, long graceMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
    return ctx.<List<ProcessHandle>>executeBlocking(() -> {
      List<ProcessHandle> tree = process.descendants().toList();
      process.toHandle().destroy(); // not Process.destroy(): that also closes the pipes we still read
      return tree;
    }, false).compose(tree -> exitedWithin(ctx, process.onExit(), graceMs)
      .compose(exited -> exited
        ? reapLeftovers(ctx, tree, remainingMs(deadline)).map(false)
        : killAll(ctx, process, tree).map(true)));
  }

  private static Future<Void> reapLeftovers(Context ctx, List<ProcessHandle> tree, long remainingMs) {
    List<ProcessHandle> alive = tree.stream().filter(h -> !gone(h.pid())).toList();
    if (alive.isEmpty()) {
      return Future.succeededFuture();
    }
    alive.forEach(ProcessHandle::destroy);
    return goneWithin(ctx, alive, remainingMs)
      .compose(exited -> exited ? Future.succeededFuture() : ctx.executeBlocking(() -> {
        alive.forEach(ProcessHandle::destroyForcibly);
        return alive;
      }, false).compose(killed -> goneWithin(ctx, killed, KILL_WAIT_MS)).mapEmpty());
  }

  private static Future<Void> killAll(Context ctx, Process process, List<ProcessHandle> captured) {
    return ctx.<List<ProcessHandle>>executeBlocking(() -> {
      Set<ProcessHandle> all = new LinkedHashSet<>(captured);
      process.descendants().forEach(all::add); // started during the grace
      process.toHandle().destroyForcibly();
      all.forEach(ProcessHandle::destroyForcibly);
      List<ProcessHandle> waitFor = new ArrayList<>(all);
      waitFor.add(process.toHandle());
      return waitFor;
    }, false).compose(handles -> goneWithin(ctx, handles, KILL_WAIT_MS)).mapEmpty();
  }

  /**
   * Polls until every handle is {@link #gone}. Not {@code ProcessHandle.onExit()}: a grandchild is not
   * our child, so once killed it may stay a zombie (an init that does not reap, such as a JVM as PID 1),
   * and for the JDK a zombie is alive forever.
   */
  private static Future<Boolean> goneWithin(Context ctx, List<ProcessHandle> handles, long ms) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    Promise<Boolean> result = Promise.promise();
    pollGone(ctx, handles, deadline, result);
    return result.future();
  }

  private static void pollGone(Context ctx, List<ProcessHandle> handles, long deadline, Promise<Boolean> result) {
    ctx.executeBlocking(() -> handles.stream().allMatch(h -> gone(h.pid())), false).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        result.complete(true);
      } else if (System.nanoTime() >= deadline) {
        result.complete(false);
      } else {
        ctx.owner().timer(POLL_MS).onComplete(v -> pollGone(ctx, handles, deadline, result));
      }
    });
  }

  /** No such process, or a zombie (dead, waiting for a parent to reap it). Blocking (reads {@code /proc}). */
  static boolean gone(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (NoSuchFileException e) {
      return Files.isDirectory(Path.of("/proc/self")); // exited meanwhile (or no /proc: trust isAlive)
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** True when {@code exit} completes within {@code ms}; completes on {@code ctx}. */
  private static Future<Boolean> exitedWithin(Context ctx, CompletableFuture<?> exit, long ms) {
    CompletableFuture<Boolean> within = exit.copy()
      .orTimeout(Math.max(0, ms), TimeUnit.MILLISECONDS)
      .handle((v, err) -> err == null);
    return Future.fromCompletionStage(within, ctx);
  }

  private static long remainingMs(long deadlineNanos) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
  }

  /** VmRSS of the process and its descendants in bytes, or null without {@code /proc}. Blocking. */
  static Long rssBytes(long pid) {
    var root = ProcessHandle.of(pid);
    if (root.isEmpty() || !Files.isDirectory(Path.of("/proc"))) {
      return null;
    }
    long total = 0;
    boolean any = false;
    for (ProcessHandle h : Stream.concat(Stream.of(root.get()), root.get().descendants()).toList()) {
      Long kb = vmRssKb(h.pid());
      if (kb != null) {
        total += kb;
        any = true;
      }
    }
    return any ? total * 1024 : null;
  }

  private static Long vmRssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone meanwhile, or a kernel thread
    }
    return null;
  }
}
