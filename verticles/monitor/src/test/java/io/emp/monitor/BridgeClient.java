package io.emp.monitor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test client of the SockJS event-bus bridge over its raw WebSocket transport
 * ({@code /eventbus/websocket}), speaking the bridge's JSON frames as the page does. Every frame the
 * server sends lands in {@link #frames()}.
 */
final class BridgeClient implements AutoCloseable {
  private final WebSocketClient client;
  private final WebSocket ws;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

  private BridgeClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.handler(b -> frames.add(new JsonObject(b.toString())));
  }

  static BridgeClient connect(Vertx vertx, int port) {
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket ws = MonitorFixture.await(client.connect(new WebSocketConnectOptions()
      .setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket")));
    return new BridgeClient(client, ws);
  }

  BlockingQueue<JsonObject> frames() {
    return frames;
  }

  void register(String address, String token) {
    write(frame("register", address, token));
  }

  /** Sends a request and returns the reply address to wait for. */
  String send(String address, Object body, String token) {
    String reply = UUID.randomUUID().toString();
    write(frame("send", address, token).put("body", body).put("replyAddress", reply));
    return reply;
  }

  void publish(String address, Object body, String token) {
    write(frame("publish", address, token).put("body", body));
  }

  void ping() {
    write(new JsonObject().put("type", "ping"));
  }

  /** The next frame matching, skipping others; fails after the timeout. */
  JsonObject next(java.util.function.Predicate<JsonObject> match, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      JsonObject f = left <= 0 ? null : frames.poll(left, TimeUnit.MILLISECONDS);
      if (f == null) {
        throw new AssertionError("no matching frame within " + timeoutMs + " ms");
      }
      if (match.test(f)) {
        return f;
      }
    }
  }

  /** The reply ({@code rec}) or failure ({@code err}) addressed to {@code replyAddress}. */
  JsonObject reply(String replyAddress) throws InterruptedException {
    return next(f -> replyAddress.equals(f.getString("address")), 15_000);
  }

  private static JsonObject frame(String type, String address, String token) {
    JsonObject f = new JsonObject().put("type", type).put("address", address);
    if (token != null) {
      f.put("headers", new JsonObject().put("token", token));
    }
    return f;
  }

  private void write(JsonObject f) {
    MonitorFixture.await(ws.writeTextMessage(f.encode()));
  }

  @Override
  public void close() {
    MonitorFixture.await(ws.close().eventually(() -> client.close()).recover(e -> Future.succeededFuture()));
  }
}
