package io.emp.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.util.function.Consumer;

/**
 * Assembles a client socket's data frames into messages, in place of Vert.x's own aggregation, which
 * (found by WebSocketFuzzTest) let a fragmented message over the size limit vanish without an answer
 * (the client waited forever) and decoded invalid UTF-8 into U+FFFD, so a job could hold other text
 * than was sent. Here a message over {@code limit} bytes closes the socket with 1009 (message too big)
 * and a text message that is not valid UTF-8 with 1007 (invalid payload data), as RFC 6455 §8.1 asks.
 * Control frames are Vert.x's (ping → pong, close); frame-level violations are refused by Netty.
 */
final class SocketMessages {
  static final short TOO_BIG = 1009;
  static final short INVALID_DATA = 1007;

  private final ServerWebSocket ws;
  private final long limit;
  private final Consumer<String> text;
  private final Runnable binary;
  private Buffer partial;
  private boolean partialBinary;
  private boolean failed;

  SocketMessages(ServerWebSocket ws, long limit, Consumer<String> text, Runnable binary) {
    this.ws = ws;
    this.limit = limit;
    this.text = text;
    this.binary = binary;
  }

  /** Called by the socket's frame handler for every frame. */
  void onFrame(WebSocketFrame f) {
    if (failed || !(f.isText() || f.isBinary() || f.isContinuation())) {
      return;
    }
    if (!f.isContinuation()) {
      partial = Buffer.buffer();
      partialBinary = f.isBinary();
    } else if (partial == null) {
      return; // a continuation without a first frame: Netty fails the connection before it gets here
    }
    Buffer data = f.binaryData();
    if (partial.length() + (long) data.length() > limit) {
      fail(TOO_BIG, "message larger than " + limit + " bytes");
      return;
    }
    partial.appendBuffer(data);
    if (f.isFinal()) {
      Buffer message = partial;
      partial = null;
      complete(message);
    }
  }

  private void complete(Buffer message) {
    if (partialBinary) {
      binary.run();
      return;
    }
    String decoded = JsonBody.strictUtf8(message.getBytes());
    if (decoded == null) {
      fail(INVALID_DATA, "text message is not valid UTF-8");
      return;
    }
    text.accept(decoded);
  }

  private void fail(short code, String reason) {
    failed = true;
    partial = null;
    ws.close(code, reason);
  }
}
