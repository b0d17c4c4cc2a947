package io.emp.monitor;

import io.emp.core.bus.Addresses;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code tickMs}: reads {@code emp_stats}, samples it into the history and publishes
 * {@code {"type":"stats","ts","stats","point"}} on {@code emp.events.stats} (this process only: each
 * monitor ticks for its own browsers). The tick is also the page's heartbeat; when Redis cannot be
 * read the tick still goes out, with {@code error}, so the page can say why its data is old.
 */
final class StatsTicker {
  private static final Logger LOG = LoggerFactory.getLogger(StatsTicker.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final BrokerStore store;
  private final StatsHistory history;
  private final long tickMs;
  private long timer = -1;
  private boolean inFlight;
  private boolean failing;

  StatsTicker(Vertx vertx, BrokerStore store, StatsHistory history, long tickMs) {
    this.vertx = vertx;
    this.store = store;
    this.history = history;
    this.tickMs = tickMs;
  }

  void start() {
    tick();
    timer = vertx.setPeriodic(tickMs, id -> tick());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void tick() {
    if (inFlight) {
      return; // a slow Redis: never stack reads
    }
    inFlight = true;
    store.stats().onComplete(ar -> {
      inFlight = false;
      long now = System.currentTimeMillis();
      JsonObject msg = new JsonObject().put("type", "stats").put("ts", now);
      if (ar.succeeded()) {
        if (failing) {
          LOG.info("stats readable again");
          failing = false;
        }
        history.sample(now, ar.result());
        msg.put("stats", ar.result());
      } else {
        if (!failing) {
          LOG.warn("cannot read stats: {}", ar.cause().toString());
          failing = true;
        }
        msg.put("error", "the broker's Redis is unavailable: " + ar.cause().getMessage());
      }
      msg.put("point", history.pointAt(now));
      vertx.eventBus().publish(Addresses.EVENTS_STATS, msg, LOCAL);
    });
  }
}
