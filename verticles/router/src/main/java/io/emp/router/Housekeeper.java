package io.emp.router;

import io.emp.core.LogSafe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one periodic task at a fixed delay after the previous run finished, so a slow Redis never
 * piles calls up. A failed run is logged (once per streak) and the schedule goes on.
 */
final class Housekeeper {
  private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);
  private final Vertx vertx;
  private final String name;
  private final long intervalMs;
  private final Supplier<Future<?>> task;
  private volatile boolean running;
  private boolean failing;
  private long timer = -1;

  Housekeeper(Vertx vertx, String name, long intervalMs, Supplier<Future<?>> task) {
    this.vertx = vertx;
    this.name = name;
    this.intervalMs = intervalMs;
    this.task = task;
  }

  void start() {
    running = true;
    schedule(0);
  }

  void stop() {
    running = false;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void schedule(long delay) {
    if (!running) {
      return;
    }
    if (delay == 0) {
      run();
    } else {
      timer = vertx.setTimer(delay, t -> run());
    }
  }

  private void run() {
    Future<?> f;
    try {
      f = task.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      if (ar.failed() && !failing) {
        LOG.warn("{} failed: {} (will keep trying every {} ms)", name, LogSafe.of(ar.cause().getMessage()), intervalMs);
      } else if (ar.succeeded() && failing) {
        LOG.info("{} recovered", name);
      }
      failing = ar.failed();
      schedule(intervalMs);
    });
  }
}
