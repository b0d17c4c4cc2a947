package io.emp.worker;

import io.emp.core.Keys;
import io.emp.core.config.RedisConfig;
import io.emp.core.redis.RedisClients;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for work without polling: a {@code BLPOP} on the worker's wake list (tokens pushed by
 * {@code submit} to an idle worker) and its control list ({@code cancel:<job id>} notices), on a
 * dedicated connection of its own client (a blocking pop must not hold a pooled connection), with
 * a timeout of {@code EMP_CLAIM_POLL_MS}. A wake-up or a timeout calls {@code onWake} (claim again);
 * a notice calls {@code onControl}. Errors close the connection and reconnect with backoff; a
 * client-side deadline a little past the Redis timeout catches connections that died silently
 * (NAT, spot preemption of a proxy). With a cluster client the connection is a cluster connection:
 * the BLPOP (both keys in the namespace's slot) waits on that slot's master.
 */
final class WakeListener {
  private static final Logger LOG = LoggerFactory.getLogger(WakeListener.class);
  private static final long DEADLINE_MARGIN_MS = 5_000;

  private final Vertx vertx;
  private final Context context;
  private final RedisConfig redisConfig;
  private final String workerId;
  private final String wakeKey;
  private final String controlKey;
  private final long pollMs;
  private final Runnable onWake;
  private final Consumer<String> onControl;
  private final Backoff backoff = new Backoff(100, 5_000);
  private Redis client;
  private RedisConnection connection;
  private boolean stopped;

  WakeListener(Context context, RedisConfig redisConfig, Keys keys, String workerId, long pollMs, Runnable onWake,
               Consumer<String> onControl) {
    this.vertx = context.owner();
    this.context = context;
    this.redisConfig = redisConfig;
    this.workerId = workerId;
    this.wakeKey = keys.workerWake(workerId);
    this.controlKey = keys.workerControl(workerId);
    this.pollMs = pollMs;
    this.onWake = onWake;
    this.onControl = onControl;
  }

  /** Connects and starts waiting; completes when the first connection is open. */
  Future<Void> start() {
    RedisOptions options = RedisClients.options(redisConfig, 1);
    options.getNetClientOptions().setTcpKeepAlive(true);
    client = RedisClients.create(vertx, options);
    return connect().onSuccess(c -> waitOnce()).mapEmpty();
  }

  /** Stops waiting and closes the connection (a pending BLPOP fails, which is ignored). */
  Future<Void> stop() {
    stopped = true;
    Future<Void> closing = connection == null ? Future.succeededFuture() : connection.close().recover(e -> Future.succeededFuture());
    connection = null;
    Future<Void> closed = closing.eventually(() -> client == null ? Future.succeededFuture() : client.close());
    return OnContext.of(context, closed);
  }

  private Future<RedisConnection> connect() {
    return OnContext.of(context, client.connect()).onSuccess(c -> connection = c);
  }

  private void waitOnce() {
    if (stopped || connection == null) {
      return;
    }
    Request blpop = Request.cmd(Command.BLPOP).arg(wakeKey).arg(controlKey)
      .arg(String.format(Locale.ROOT, "%.1f", pollMs / 1000.0));
    OnContext.of(context, connection.send(blpop).timeout(pollMs + DEADLINE_MARGIN_MS, TimeUnit.MILLISECONDS))
      .onComplete(ar -> {
        if (stopped) {
          return;
        }
        if (ar.succeeded()) {
          backoff.reset();
          deliver(ar.result());
          waitOnce();
        } else {
          reconnect(ar.cause());
        }
      });
  }

  private void deliver(Response r) {
    if (r == null || r.size() < 2) {
      onWake.run(); // poll timeout: claim anyway, in case a wake-up was missed
    } else if (controlKey.equals(r.get(0).toString())) {
      onControl.accept(r.get(1).toString());
    } else {
      onWake.run();
    }
  }

  private void reconnect(Throwable cause) {
    long delay = backoff.nextDelayMs();
    LOG.warn("worker {}: wake listener lost its Redis connection ({}), reconnecting in {} ms", workerId,
      cause.toString(), delay);
    RedisConnection old = connection;
    connection = null;
    if (old != null) {
      old.close();
    }
    vertx.setTimer(delay, t -> {
      if (!stopped) {
        connect().onComplete(ar -> {
          if (ar.succeeded()) {
            onWake.run(); // wake-ups may have been missed while disconnected
            waitOnce();
          } else if (!stopped) {
            reconnect(ar.cause());
          }
        });
      }
    });
  }
}
