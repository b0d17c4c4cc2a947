package io.emp.supervisor;

import io.emp.core.Keys;
import io.emp.core.events.BrokerEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the machine's command stream ({@code emp:{ns}:machine:<id>:commands}) with a blocking
 * {@code XREAD} on its own connection — outbound only, so it works behind NAT — and runs each
 * command once, in order, after the last one this machine reported done. Commands older than
 * {@code maxAgeMs} (queued while the supervisor was down) are reported as expired instead of run:
 * a restart asked for an hour ago is not what an operator wants now.
 *
 * <p>Public so that the fleet simulator's machines (verticles/bench) read their command streams with
 * this same code.
 */
public final class CommandConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(CommandConsumer.class);
  private final Vertx vertx;
  private final Redis redis;
  private final String stream;
  private final long maxAgeMs;
  private final BiFunction<String, Incoming, Future<Void>> handler;
  private String lastId;
  private RedisConnection connection;
  private boolean stopped;
  private long backoffMs = 200;

  /** One command read from the stream. */
  public record Incoming(String id, String command, JsonObject args, boolean expired) {
  }

  public CommandConsumer(Vertx vertx, Redis redis, Keys keys, String machineId, String afterId, long maxAgeMs,
                  BiFunction<String, Incoming, Future<Void>> handler) {
    this.vertx = vertx;
    this.redis = redis;
    this.stream = keys.machineCommands(machineId);
    this.lastId = afterId == null || afterId.isBlank() ? "0-0" : afterId;
    this.maxAgeMs = maxAgeMs;
    this.handler = handler;
  }

  public void start() {
    loop();
  }

  public Future<Void> stop() {
    stopped = true;
    RedisConnection c = connection;
    connection = null;
    return c == null ? Future.succeededFuture() : c.close().recover(e -> Future.succeededFuture());
  }

  private void loop() {
    if (stopped) {
      return;
    }
    connection()
      .compose(c -> c.send(Request.cmd(Command.XREAD).arg("COUNT").arg(10).arg("BLOCK").arg(2000)
        .arg("STREAMS").arg(stream).arg(lastId)))
      .compose(this::runAll)
      .onSuccess(v -> {
        backoffMs = 200;
        vertx.runOnContext(x -> loop());
      })
      .onFailure(e -> {
        if (stopped) {
          return;
        }
        LOG.warn("command stream read failed ({}); retrying in {} ms", io.emp.core.LogSafe.of(e), backoffMs);
        RedisConnection c = connection;
        connection = null;
        if (c != null) {
          c.close();
        }
        vertx.setTimer(backoffMs, t -> loop());
        backoffMs = Math.min(5_000, backoffMs * 2);
      });
  }

  /** Runs the commands of one read, one after the other. */
  private Future<Void> runAll(Response r) {
    if (r == null) {
      return Future.succeededFuture();
    }
    Response entries = r.isMap() ? r.get(stream) : r.get(0).get(1);
    Future<Void> chain = Future.succeededFuture();
    for (Response entry : entries) {
      Incoming in = parse(entry);
      chain = chain.compose(v -> {
        lastId = in.id();
        return handler.apply(in.id(), in).recover(e -> Future.succeededFuture());
      });
    }
    return chain;
  }

  private Incoming parse(Response entry) {
    String id = entry.get(0).toString();
    Response f = entry.get(1);
    String command = "";
    JsonObject args = new JsonObject();
    for (int i = 0; i + 1 < f.size(); i += 2) {
      String k = f.get(i).toString();
      if (k.equals("command")) {
        command = f.get(i + 1).toString();
      } else if (k.equals("args")) {
        try {
          args = new JsonObject(f.get(i + 1).toString());
        } catch (RuntimeException ignored) {
          // the library validated it; keep {} rather than fail the loop
        }
      }
    }
    boolean expired = System.currentTimeMillis() - BrokerEvent.timestampOf(id) > maxAgeMs;
    return new Incoming(id, command, args, expired);
  }

  private Future<RedisConnection> connection() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    return redis.connect().map(c -> {
      connection = c;
      return c;
    });
  }
}
