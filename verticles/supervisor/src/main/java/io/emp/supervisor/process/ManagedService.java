package io.emp.supervisor.process;

import io.emp.supervisor.process.ReadinessProbe.ExitedBeforeReady;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One supervised instance and its state machine ({@link ServiceState}). Every method runs on the
 * supervisor's context; spawning goes through {@code executeBlocking}, exits arrive as
 * {@code Process.onExit()} completions re-dispatched onto the context, and each spawn has a run
 * number so late events of an older process are ignored. The status fields are volatile so
 * {@link #status()} may be read from any thread.
 */
final class ManagedService {
  private static final Logger log = LoggerFactory.getLogger(ManagedService.class);
  /** How long an exit waits for the log pumps to reach the end of the process's output. */
  private static final long PUMP_DRAIN_NS = 100_000_000L;
  /** How long a stop waits, after the process tree is gone, for the exit to be handled (pumps drained). */
  private static final long EXIT_HANDLED_MS = 2_000;
  private final InstanceSpec spec;
  private final Context ctx;
  private final LogFiles logs;
  private final ReadinessProbe probe;
  private final Consumer<ServiceStatus> changed;

  private volatile ServiceState state = ServiceState.PENDING;
  private volatile Long pid;
  private volatile long startedAtMs;
  private volatile int restarts;
  private volatile Integer lastExitCode;
  private volatile Long memoryBytes;
  private volatile String lastError;

  private Process process;
  private int run;
  private int spawns;
  private boolean wanted;
  private Future<Void> spawning = Future.succeededFuture();
  private Future<Void> stopping = Future.succeededFuture();
  /** The current process's exit code, once its exit has been handled (its output drained). */
  private Future<Integer> exited = Future.succeededFuture();
  private final RestartBudget budget;
  private Timer backoffTimer;
  private Timer stableTimer;
  private final List<Promise<Void>> waiters = new ArrayList<>();

  ManagedService(InstanceSpec spec, Context ctx, LogFiles logs, ReadinessProbe probe, Consumer<ServiceStatus> changed) {
    this.spec = spec;
    this.ctx = ctx;
    this.logs = logs;
    this.probe = probe;
    this.changed = changed;
    this.budget = new RestartBudget(spec.restart());
  }

  String name() {
    return spec.name();
  }

  InstanceSpec spec() {
    return spec;
  }

  ServiceState state() {
    return state;
  }

  Long pid() {
    return pid;
  }

  ServiceStatus status() {
    long started = startedAtMs;
    return new ServiceStatus(spec.name(), spec.service(), spec.gpuIndex(), spec.port(), state, pid, restarts,
      started == 0 ? 0 : System.currentTimeMillis() - started, lastExitCode, memoryBytes, lastError);
  }

  /**
   * Starts the instance unless it is already starting, ready or about to restart; completes once it
   * is ready, fails when it cannot get there (failed, crash loop, exit without restart, stopped).
   * Clears the crash-loop history and the backoff.
   */
  Future<Void> start() {
    if (wanted && (state == ServiceState.STARTING || state == ServiceState.READY || state == ServiceState.BACKOFF)) {
      return whenReady();
    }
    if (state == ServiceState.STOPPING) {
      return stopping.transform(ar -> start());
    }
    wanted = true;
    budget.reset();
    lastError = null;
    if (spawns > 0) {
      restarts++;
    }
    Future<Void> ready = whenReady();
    launch();
    return ready;
  }

  /** Completes when the instance is ready; fails when it reaches a state from which it will not be. */
  Future<Void> whenReady() {
    if (state == ServiceState.READY) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    waiters.add(p);
    return p.future();
  }

  /** SIGTERM, grace, SIGKILL of the tree; cancels a pending restart. Completes when it is stopped. */
  Future<Void> stop(long graceMs) {
    if (state == ServiceState.STOPPING) {
      return stopping;
    }
    wanted = false;
    cancelTimers();
    if (process == null && spawning.isComplete()) {
      if (state != ServiceState.STOPPED) {
        setState(ServiceState.STOPPED, null);
      }
      failWaiters("stopped before it was ready");
      return Future.succeededFuture();
    }
    setState(ServiceState.STOPPING, null);
    failWaiters("stopped before it was ready");
    stopping = kill(graceMs).onComplete(ar -> setState(ServiceState.STOPPED, null));
    return stopping;
  }

  /** Not started because of {@code reason} (a dependency failed): stays as it is, with the reason. */
  Future<Void> notStarted(String reason) {
    lastError = reason;
    changed.accept(status());
    failWaiters(reason);
    return Future.failedFuture(name() + ": " + reason);
  }

  /** A memory sample taken on a worker thread, kept if the process is still the one measured. */
  void memory(long forPid, Long bytes) {
    if (Objects.equals(pid, forPid)) {
      memoryBytes = bytes;
    }
  }

  private void launch() {
    int myRun = ++run;
    spawns++;
    setState(ServiceState.STARTING, null);
    LogWatch watch = spec.readiness().kind() == Readiness.Kind.LOG ? new LogWatch(spec.readiness().pattern(), ctx) : null;
    spawning = ctx.executeBlocking(() -> spawn(watch), false)
      .transform(ar -> {
        if (ar.succeeded()) {
          onSpawned(myRun, ar.result(), watch);
        } else {
          onSpawnFailed(ar.cause());
        }
        return Future.succeededFuture();
      });
  }

  /** Worker thread: the argv as is (no shell), its env over the inherited one, stdin closed. */
  private Spawned spawn(LogWatch watch) throws IOException {
    Files.createDirectories(spec.instanceDir());
    if (spec.workingDir() != null && !Files.isDirectory(spec.workingDir())) {
      throw new IOException("working_dir " + spec.workingDir() + " is not a directory");
    }
    ProcessBuilder pb = new ProcessBuilder(spec.command());
    if (spec.workingDir() != null) {
      pb.directory(spec.workingDir().toFile());
    }
    pb.environment().putAll(spec.env());
    Process p = pb.start();
    p.getOutputStream().close();
    logs.note(name(), "started pid " + p.pid()); // before its first output line in the tail
    return new Spawned(p, logs.attach(spec.name(), p, watch == null ? null : watch::offer));
  }

  /** A started process and the threads copying its stdout and stderr. */
  private record Spawned(Process process, List<Thread> pumps) {}

  /**
   * Worker thread: lets the log pumps reach the end of the output of a process that has exited, so its
   * last lines are in the tail before the exit is noted (or a test or an operator reads it). Bounded: a
   * left-over grandchild may hold the pipes open.
   */
  private static void drainPumps(List<Thread> pumps) throws InterruptedException {
    long deadline = System.nanoTime() + PUMP_DRAIN_NS;
    for (Thread t : pumps) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        t.join(Math.max(1, left / 1_000_000));
      }
    }
  }

  private void onSpawned(int myRun, Spawned s, LogWatch watch) {
    Process p = s.process();
    process = p;
    pid = p.pid();
    startedAtMs = System.currentTimeMillis();
    memoryBytes = null;
    log.info("{} started, pid {}", name(), p.pid());
    changed.accept(status()); // before the exit hook, which runs at once if the process is already gone
    Future<Integer> exit = Future.fromCompletionStage(p.onExit(), ctx)
      .compose(gone -> ctx.executeBlocking(() -> {
        drainPumps(s.pumps());
        return gone.exitValue();
      }, false));
    exited = exit;
    exit.onSuccess(code -> onExit(myRun, code));
    if (wanted) {
      probe.await(spec, watch, exit).onComplete(ar -> onProbe(myRun, ar));
    }
  }

  private void onSpawnFailed(Throwable cause) {
    String msg = "cannot start: " + cause.getMessage();
    logs.note(name(), msg);
    if (wanted) {
      wanted = false;
      setState(ServiceState.FAILED, msg);
      failWaiters(msg);
    }
  }

  private void onProbe(int myRun, AsyncResult<Void> ar) {
    if (myRun != run || state != ServiceState.STARTING || !wanted) {
      return;
    }
    if (ar.succeeded()) {
      setState(ServiceState.READY, null);
      waiters.forEach(Promise::tryComplete);
      waiters.clear();
      scheduleStable(myRun);
    } else if (!(ar.cause() instanceof ExitedBeforeReady)) {
      String msg = ar.cause().getMessage();
      logs.note(name(), msg + "; stopping it");
      wanted = false;
      setState(ServiceState.STOPPING, msg);
      stopping = kill(spec.stopGraceMs()).onComplete(v -> {
        setState(ServiceState.FAILED, msg);
        failWaiters(msg); // after the kill: whoever waits sees the final state
      });
    }
  }

  /** Once ready for {@code reset_after}, the next crash starts from the initial backoff again. */
  private void scheduleStable(int myRun) {
    if (spec.restart().resetAfterMs() <= 0) {
      budget.stable();
      return;
    }
    stableTimer = ctx.owner().timer(spec.restart().resetAfterMs());
    stableTimer.onSuccess(v -> {
      if (run == myRun && state == ServiceState.READY) {
        budget.stable();
      }
    });
  }

  private void onExit(int myRun, int code) {
    if (myRun != run) {
      return;
    }
    process = null;
    pid = null;
    startedAtMs = 0;
    memoryBytes = null;
    lastExitCode = code;
    cancel(stableTimer);
    if (!wanted) {
      changed.accept(status()); // a stop owns the state
      return;
    }
    logs.note(name(), "exited with code " + code);
    crashed(code);
  }

  private void crashed(int code) {
    RestartSpec r = spec.restart();
    String why = "exited with code " + code;
    if (!r.policy().restarts(code)) {
      wanted = false;
      setState(code == 0 ? ServiceState.STOPPED : ServiceState.FAILED,
        code == 0 ? null : why + " (restart policy " + r.policy().wire() + ")");
      failWaiters(why);
      return;
    }
    long delay = budget.afterCrash(System.currentTimeMillis());
    if (delay == RestartBudget.CRASH_LOOP) {
      wanted = false;
      String msg = "crash loop: " + why + " after " + budget.recentRestarts() + " restarts within "
        + r.crashLoopWindowMs() / 1000 + " s; no more automatic restarts until it is started again";
      logs.note(name(), msg);
      setState(ServiceState.CRASHLOOP, msg);
      failWaiters(msg);
      return;
    }
    int myRun = run;
    logs.note(name(), "restarting in " + delay + " ms");
    setState(ServiceState.BACKOFF, why + "; restarting in " + delay + " ms");
    backoffTimer = ctx.owner().timer(delay);
    backoffTimer.onSuccess(v -> {
      if (run == myRun && state == ServiceState.BACKOFF && wanted) {
        restarts++;
        launch();
      }
    });
  }

  /** Terminates the current process, once its spawn (if one is in flight) has finished. */
  private Future<Void> kill(long graceMs) {
    return spawning.compose(v -> {
      Process p = process;
      if (p == null) {
        return Future.succeededFuture();
      }
      logs.note(name(), "stopping pid " + p.pid() + ": SIGTERM, " + graceMs + " ms grace");
      Future<Integer> exitOf = exited;
      return ProcessTree.terminate(ctx, p, graceMs).compose(killed -> {
        if (killed) {
          lastError = "did not exit within " + graceMs + " ms of SIGTERM; killed the process tree";
          logs.note(name(), lastError);
          log.warn("{} {}", name(), lastError);
        }
        // the tree is gone; the stop ends once the exit was handled, so its last output is in the tail
        return bounded(exitOf, EXIT_HANDLED_MS);
      }).map(code -> {
        if (code != null) {
          lastExitCode = code;
        } else if (!p.isAlive()) {
          lastExitCode = p.exitValue();
        }
        process = null;
        pid = null;
        startedAtMs = 0;
        memoryBytes = null;
        return null;
      });
    });
  }

  /** {@code f}'s result, or null when it failed or did not complete within {@code ms}. */
  private Future<Integer> bounded(Future<Integer> f, long ms) {
    Promise<Integer> out = Promise.promise();
    long timer = ctx.owner().setTimer(ms, t -> out.tryComplete(null));
    f.onComplete(ar -> {
      ctx.owner().cancelTimer(timer);
      out.tryComplete(ar.succeeded() ? ar.result() : null);
    });
    return out.future();
  }

  private void setState(ServiceState s, String error) {
    state = s;
    if (error != null) {
      lastError = error;
    }
    log.info("{} {}{}", name(), s.wire(), error == null ? "" : ": " + error);
    changed.accept(status());
  }

  private void failWaiters(String reason) {
    List<Promise<Void>> ws = new ArrayList<>(waiters);
    waiters.clear();
    ws.forEach(p -> p.tryFail(name() + ": " + reason));
  }

  private void cancelTimers() {
    cancel(backoffTimer);
    cancel(stableTimer);
  }

  private static void cancel(Timer t) {
    if (t != null) {
      t.cancel();
    }
  }
}
