package io.emp.worker;

import io.emp.core.model.Results;
import io.emp.core.store.BrokerError;
import io.emp.core.store.BrokerException;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code EMP_HEARTBEAT_MS}: one {@code emp_heartbeat} call with the jobs this worker is running
 * (id → token), which renews presence and every lease at once. The reply goes to {@code onReply}
 * (cancels requested, leases lost); {@code UNKNOWN_WORKER} (Redis flushed, registry pruned) asks the
 * worker to re-register; a missing function library (Redis restarted empty) asks the role to load it
 * again, after which the next beat gets {@code UNKNOWN_WORKER}. A beat is skipped while the previous one is still in flight.
 */
final class Heartbeat {
  private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

  private final Vertx vertx;
  private final Context context;
  private final BrokerStore store;
  private final String workerId;
  private final long intervalMs;
  private final Supplier<Map<String, String>> running;
  private final Consumer<Results.Heartbeat> onReply;
  private final Runnable onUnknownWorker;
  private final Runnable onLibraryMissing;
  private long timerId = -1;
  private boolean inFlight;
  private boolean failing;

  Heartbeat(Context context, BrokerStore store, String workerId, long intervalMs,
            Supplier<Map<String, String>> running, Consumer<Results.Heartbeat> onReply, Runnable onUnknownWorker,
            Runnable onLibraryMissing) {
    this.vertx = context.owner();
    this.context = context;
    this.store = store;
    this.workerId = workerId;
    this.intervalMs = intervalMs;
    this.running = running;
    this.onReply = onReply;
    this.onUnknownWorker = onUnknownWorker;
    this.onLibraryMissing = onLibraryMissing;
  }

  void start() {
    if (timerId < 0) {
      timerId = vertx.setPeriodic(intervalMs, t -> beat());
    }
  }

  void stop() {
    vertx.cancelTimer(timerId);
    timerId = -1;
  }

  private void beat() {
    if (inFlight) {
      return;
    }
    inFlight = true;
    long timeout = Math.max(intervalMs, OnContext.CALL_TIMEOUT_MS);
    OnContext.of(context, store.heartbeat(workerId, running.get()).timeout(timeout, TimeUnit.MILLISECONDS))
      .onComplete(ar -> {
        inFlight = false;
        if (timerId < 0) {
          return; // stopped meanwhile
        }
        if (ar.succeeded()) {
          recovered();
          onReply.accept(ar.result());
        } else if (BrokerException.is(ar.cause(), BrokerError.UNKNOWN_WORKER)) {
          onUnknownWorker.run();
        } else if (libraryMissing(ar.cause())) {
          onLibraryMissing.run();
        } else if (!failing) {
          failing = true;
          LOG.warn("worker {}: heartbeat failed ({}); leases expire unless Redis answers again", workerId, ar.cause().toString());
        }
      });
  }

  /** Redis came back empty (restart without persistence): the function library must be loaded again. */
  static boolean libraryMissing(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("Function not found") || m.contains("function not found");
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("worker {}: heartbeat recovered", workerId);
    }
  }
}
