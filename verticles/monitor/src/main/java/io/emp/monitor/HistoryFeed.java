package io.emp.monitor;

import io.emp.core.Keys;
import io.emp.core.bus.Addresses;
import io.emp.core.events.BrokerEvent;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds {@link StatsHistory} with job events: live ones from the process's tailer (the bus) and, at
 * start, the ones still in the stream for the history window, read in pages so Redis is never held
 * long. Live events that arrive during the backfill wait in a buffer and are applied after it, each
 * once: the backfill ends at the newest id it read and only later buffered events follow.
 */
final class HistoryFeed {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryFeed.class);
  private static final int PAGE = 1_000;
  private static final int MAX_BUFFER = 200_000;

  private final Redis redis;
  private final String streamKey;
  private final StatsHistory history;
  private final long windowMs;
  private final ArrayDeque<BrokerEvent> buffer = new ArrayDeque<>();
  private boolean backfilling = true;
  private long backfilled;
  private MessageConsumer<JsonObject> consumer;

  HistoryFeed(Redis redis, Keys keys, StatsHistory history, long windowMs) {
    this.redis = redis;
    this.streamKey = keys.events();
    this.history = history;
    this.windowMs = windowMs;
  }

  /** Subscribes to live events, then backfills in the background; completes once subscribed. */
  Future<Void> start(EventBus bus) {
    consumer = bus.<JsonObject>localConsumer(Addresses.EVENTS_JOBS).handler(m -> live(BrokerEvent.fromJson(m.body())));
    return consumer.completion().onSuccess(v -> {
      long from = Math.max(0, System.currentTimeMillis() - windowMs);
      page(from + "-0", true);
    });
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** True once the stream's past events have been counted. */
  boolean ready() {
    return !backfilling;
  }

  private void live(BrokerEvent e) {
    if (!backfilling) {
      history.onEvent(e);
    } else if (buffer.size() < MAX_BUFFER) {
      buffer.add(e);
    }
  }

  private void page(String from, boolean inclusive) {
    redis.send(Request.cmd(Command.XRANGE).arg(streamKey).arg(inclusive ? from : "(" + from).arg("+").arg("COUNT").arg(PAGE))
      .onSuccess(r -> {
        String last = null;
        for (Response entry : r) {
          BrokerEvent e = BrokerEvent.fromEntry(entry);
          history.onEvent(e);
          last = e.id();
          backfilled++;
        }
        if (r.size() == PAGE && last != null) {
          page(last, false);
        } else {
          finish(last);
        }
      })
      .onFailure(e -> {
        LOG.warn("history backfill stopped after {} events: {}", backfilled, e.toString());
        finish(null);
      });
  }

  /** Applies buffered live events newer than the last backfilled one, then goes live. */
  private void finish(String lastBackfilled) {
    while (!buffer.isEmpty()) {
      BrokerEvent e = buffer.poll();
      if (lastBackfilled == null || BrokerEvent.isAfter(e.id(), lastBackfilled)) {
        history.onEvent(e);
      }
    }
    backfilling = false;
    LOG.info("stats history backfilled from {} stream events", backfilled);
  }
}
