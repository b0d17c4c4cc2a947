package io.emp.core.events;

import io.emp.core.Keys;
import io.emp.core.LogSafe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the namespace event stream with a blocking {@code XREAD} on its own connection and hands
 * every entry, in order, to a consumer. One tailer per process; it reconnects by itself with a
 * capped backoff and resumes from the last id it delivered, so a Redis restart or network blip
 * loses nothing the stream still holds. With a cluster client the connection is a cluster connection,
 * which sends the keyed {@code XREAD} to the master of the stream's slot.
 */
public final class EventTailer {
  private static final Logger LOG = LoggerFactory.getLogger(EventTailer.class);
  private static final int BLOCK_MS = 1_000;
  private static final int BATCH = 500;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Vertx vertx;
  private final Redis redis;
  private final String streamKey;
  private final Consumer<BrokerEvent> consumer;
  private String lastId;
  private volatile boolean running;
  private RedisConnection connection;
  private long backoffMs = 100;

  /**
   * @param startId "$" for events after now, or a stream id to resume after.
   */
  public EventTailer(Vertx vertx, Redis redis, Keys keys, String startId, Consumer<BrokerEvent> consumer) {
    this.vertx = vertx;
    this.redis = redis;
    this.streamKey = keys.events();
    this.lastId = startId;
    this.consumer = consumer;
  }

  /** Resolves "$" to the stream's current last id, then starts following. Completes when started. */
  public Future<Void> start() {
    running = true;
    Future<Void> resolved = "$".equals(lastId)
      ? redis.send(Request.cmd(Command.XREVRANGE).arg(streamKey).arg("+").arg("-").arg("COUNT").arg(1))
        .map(r -> {
          lastId = r != null && r.size() > 0 ? r.get(0).get(0).toString() : "0-0";
          return null;
        })
      : Future.succeededFuture();
    return resolved.onSuccess(v -> loop());
  }

  public Future<Void> stop() {
    running = false;
    RedisConnection c = connection;
    connection = null;
    return c == null ? Future.succeededFuture() : c.close().recover(e -> Future.succeededFuture());
  }

  /** The id of the last event delivered. */
  public String lastId() {
    return lastId;
  }

  private void loop() {
    if (!running) {
      return;
    }
    connection()
      .compose(c -> c.send(Request.cmd(Command.XREAD).arg("COUNT").arg(BATCH).arg("BLOCK").arg(BLOCK_MS)
        .arg("STREAMS").arg(streamKey).arg(lastId)))
      .onSuccess(r -> {
        backoffMs = 100;
        deliver(r);
        vertx.runOnContext(v -> loop());
      })
      .onFailure(this::retry);
  }

  private void deliver(Response r) {
    if (r == null) {
      return; // BLOCK timed out
    }
    // RESP2: [[key, [entries]]]; RESP3: {key: [entries]}
    Response entries = r.isMap() ? r.get(streamKey) : r.get(0).get(1);
    for (Response entry : entries) {
      BrokerEvent e = BrokerEvent.fromEntry(entry);
      lastId = e.id();
      try {
        consumer.accept(e);
      } catch (RuntimeException ex) {
        LOG.warn("event consumer failed on {} {}", LogSafe.of(e.type()), LogSafe.of(e.id()), ex);
      }
    }
  }

  private Future<RedisConnection> connection() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    return redis.connect().map(c -> {
      connection = c;
      c.exceptionHandler(e -> LOG.debug("event stream connection error", e));
      return c;
    });
  }

  private void retry(Throwable e) {
    if (!running) {
      return;
    }
    LOG.warn("event stream read failed ({}); retrying in {} ms", LogSafe.of(e.getMessage()), backoffMs);
    RedisConnection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
    vertx.setTimer(backoffMs, t -> loop());
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
  }
}
