package io.emp.supervisor;

import io.emp.core.store.MachineRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the machine's full status document to Redis: every {@code EMP_STATUS_INTERVAL_MS} (15 s,
 * a presence refresh) and, coalesced, within {@code EMP_STATUS_DEBOUNCE_MS} (500 ms) of any change
 * (service state, worker) — as a {@code machine.status} event the monitor shows at once; each phase
 * transition at once and in order. Publishes are chained, one at a time. Failures (Redis away) are
 * logged once and retried on the next tick.
 */
final class StatusPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(StatusPublisher.class);
  private final Vertx vertx;
  private final MachineRegistry registry;
  private final String machineId;
  private final long intervalMs;
  private final long debounceMs;
  private final Supplier<Future<JsonObject>> document;
  private final Supplier<String> phase;
  private long periodic = -1;
  private long pending = -1;
  private boolean inFlight;
  private Future<Void> tail = Future.succeededFuture();
  private boolean failing;
  private long seq;
  private volatile String lastCommandId = "";

  StatusPublisher(Vertx vertx, MachineRegistry registry, String machineId, long intervalMs, long debounceMs,
                  Supplier<Future<JsonObject>> document, Supplier<String> phase) {
    this.vertx = vertx;
    this.registry = registry;
    this.machineId = machineId;
    this.intervalMs = intervalMs;
    this.debounceMs = debounceMs;
    this.document = document;
    this.phase = phase;
  }

  /** Publishes once (as a change) and starts the periodic refresh. */
  Future<Void> start() {
    periodic = vertx.setPeriodic(intervalMs, t -> publish(false));
    return publish(true);
  }

  void stop() {
    vertx.cancelTimer(periodic);
    vertx.cancelTimer(pending);
  }

  /** Something changed: publish within the debounce interval (several changes, one publish). */
  void changed() {
    if (pending >= 0) {
      return;
    }
    pending = vertx.setTimer(debounceMs, t -> {
      pending = -1;
      publish(true);
    });
  }

  /** The id of the last command this machine completed, as the registry knows it ("" = none). */
  String lastCommandId() {
    return lastCommandId;
  }

  /**
   * A phase transition: published at once with that phase, after any publish in flight, so every
   * transition becomes a {@code machine.phase} event in order even when phases follow each other fast.
   */
  void phaseChanged(String phase) {
    tail = tail.transform(ar -> send(true, phase));
  }

  /** Publishes now (after any publish in flight); completes when Redis has it (or failed, logged). */
  Future<Void> publish(boolean change) {
    if (inFlight && !change) {
      return Future.succeededFuture(); // a periodic refresh while another publish runs adds nothing
    }
    tail = tail.transform(ar -> send(change, phase.get()));
    return tail;
  }

  private Future<Void> send(boolean change, String atPhase) {
    inFlight = true;
    return document.get()
      .map(doc -> doc.put("seq", ++seq).put("published_at", System.currentTimeMillis()).put("phase", atPhase))
      .compose(doc -> registry.publishStatus(machineId, doc, atPhase, change))
      .map(last -> {
        lastCommandId = last;
        if (failing) {
          LOG.info("machine {}: status published again", machineId);
        }
        failing = false;
        return (Void) null;
      })
      .recover(e -> {
        if (!failing) {
          LOG.warn("machine {}: could not publish status ({}); retrying", machineId, e.toString());
        }
        failing = true;
        return Future.succeededFuture();
      })
      .eventually(() -> {
        inFlight = false;
        return Future.succeededFuture();
      });
  }
}
