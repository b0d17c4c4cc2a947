package io.emp.worker.connector.websocket;

import io.emp.worker.connector.rest.BrokerHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket server on 127.0.0.1 for connector tests. {@link #behavior} decides what it does with
 * each text message it receives (default: nothing — a silent server); {@link #rejectStatus} refuses the
 * handshake. Records messages received and connections closed.
 */
final class FakeWsServer {

  /** What the server does when a message arrives on a socket. */
  @FunctionalInterface
  interface Behavior {
    void onMessage(ServerWebSocket ws, String text);
  }

  private final Vertx vertx;
  private HttpServer server;
  private int port;
  volatile Behavior behavior = (ws, text) -> { };
  volatile int rejectStatus;
  final List<String> received = new CopyOnWriteArrayList<>();
  /** Sockets that carried a message and then closed (health probes connect without a message). */
  final AtomicInteger closed = new AtomicInteger();

  FakeWsServer(Vertx vertx) {
    this.vertx = vertx;
  }

  FakeWsServer start(int onPort) {
    server = BrokerHarness.await(vertx.createHttpServer()
      .webSocketHandshakeHandler(h -> {
        if (rejectStatus > 0) {
          h.reject(rejectStatus);
        } else {
          h.accept();
        }
      })
      .webSocketHandler(ws -> {
        AtomicInteger messages = new AtomicInteger();
        ws.closeHandler(v -> {
          if (messages.get() > 0) {
            closed.incrementAndGet();
          }
        });
        ws.textMessageHandler(text -> {
          messages.incrementAndGet();
          received.add(text);
          behavior.onMessage(ws, text);
        });
      })
      .listen(onPort, "127.0.0.1"));
    port = server.actualPort();
    return this;
  }

  void stop() {
    if (server != null) {
      BrokerHarness.await(server.close());
      server = null;
    }
  }

  int port() {
    return port;
  }

  String url() {
    return "ws://127.0.0.1:" + port + "/jobs";
  }

  /** The job messages received (cancel notices excluded), as JSON. */
  List<JsonObject> jobs() {
    return received.stream().map(JsonObject::new).filter(m -> !"cancel".equals(m.getString("type"))).toList();
  }

  List<JsonObject> cancels() {
    return received.stream().map(JsonObject::new).filter(m -> "cancel".equals(m.getString("type"))).toList();
  }

  /** Sends {@code msg} after {@code delayMs} unless the socket closed meanwhile. */
  void sendLater(ServerWebSocket ws, long delayMs, JsonObject msg) {
    vertx.setTimer(Math.max(1, delayMs), t -> {
      if (!ws.isClosed()) {
        ws.writeTextMessage(msg.encode());
      }
    });
  }
}
