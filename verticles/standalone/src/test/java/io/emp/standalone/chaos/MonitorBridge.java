package io.emp.standalone.chaos;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A browser-like client of the monitor's event-bus bridge (raw WebSocket transport of SockJS). */
final class MonitorBridge {
  private MonitorBridge() {
  }

  /**
   * Opens a bridge socket, registers on {@code emp.events.jobs} with the operator token and waits for
   * the first job event. Returns when it arrived (epoch ms), or -1 when none came within the timeout.
   */
  static long firstJobEvent(HttpClient http, int port, String token, long timeoutMs) throws Exception {
    CountDownLatch got = new CountDownLatch(1);
    AtomicLong at = new AtomicLong(-1);
    StringBuilder partial = new StringBuilder();
    WebSocket.Listener listener = new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        on(ws, data.toString(), last);
        return null;
      }

      @Override
      public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        on(ws, StandardCharsets.UTF_8.decode(data).toString(), last);
        return null;
      }

      private void on(WebSocket ws, String text, boolean last) {
        partial.append(text);
        if (last) {
          try {
            JsonObject m = new JsonObject(partial.toString());
            if ("emp.events.jobs".equals(m.getString("address")) && at.get() < 0) {
              at.set(System.currentTimeMillis());
              got.countDown();
            }
          } catch (RuntimeException ignored) {
            // not a bus message
          }
          partial.setLength(0);
        }
        ws.request(1);
      }
    };
    WebSocket ws = http.newWebSocketBuilder()
      .buildAsync(URI.create("ws://127.0.0.1:" + port + "/eventbus/websocket"), listener).get(10, TimeUnit.SECONDS);
    try {
      ws.sendText(new JsonObject().put("type", "register").put("address", "emp.events.jobs")
        .put("headers", new JsonObject().put("token", token)).encode(), true).get(10, TimeUnit.SECONDS);
      got.await(timeoutMs, TimeUnit.MILLISECONDS);
      return at.get();
    } finally {
      ws.abort();
    }
  }
}
