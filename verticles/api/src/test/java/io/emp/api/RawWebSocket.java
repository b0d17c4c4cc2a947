package io.emp.api;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

/**
 * A deliberately dumb WebSocket client (RFC 6455) for hostile frames: every frame is written as given
 * — any opcode, RSV bits, masked or not, fragmented, oversized, invalid UTF-8 in a text frame — which
 * {@code WebSocketClient} refuses to send. Frames from the server are read with a deadline, so a
 * server that neither answers nor closes shows up as {@link RawHttp.Hung}.
 */
final class RawWebSocket implements Closeable {
  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;
  static final int PONG = 0xA;

  /** One frame from the server; for {@link #CLOSE}, {@link #closeCode()} reads its status code. */
  record Frame(boolean fin, int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    int closeCode() {
      return payload.length >= 2 ? (payload[0] & 0xff) << 8 | payload[1] & 0xff : 1005;
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final Random masks = new Random(7);

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects and upgrades {@code target} with the bearer token; fails unless the answer is 101. */
  static RawWebSocket open(String host, int port, String target, String token, int timeoutMs) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(host, port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      s.setTcpNoDelay(true);
      String key = Base64.getEncoder().encodeToString(("emp-fuzz-" + System.nanoTime()).substring(0, 16)
        .getBytes(StandardCharsets.US_ASCII));
      String request = "GET " + target + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\nAuthorization: Bearer " + token + "\r\n\r\n";
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      if (!head.startsWith("HTTP/1.1 101")) {
        throw new IOException("upgrade refused: " + head.lines().findFirst().orElse(head));
      }
      return new RawWebSocket(s);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("closed during the upgrade; got " + head);
      }
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }

  /** A complete, masked frame. */
  void send(int opcode, byte[] payload) throws IOException {
    frame(true, 0, opcode, payload, true);
  }

  void sendText(String text) throws IOException {
    send(TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Any frame at all: {@code rsv} is the three RSV bits (0–7), {@code opcode} any 4-bit value. */
  void frame(boolean fin, int rsv, int opcode, byte[] payload, boolean mask) throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | opcode & 0xf);
    int maskBit = mask ? 0x80 : 0;
    if (payload.length < 126) {
      f.write(maskBit | payload.length);
    } else if (payload.length < 65536) {
      f.write(maskBit | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length & 0xff);
    } else {
      f.write(maskBit | 127);
      long len = payload.length;
      for (int i = 7; i >= 0; i--) {
        f.write((int) (len >>> (8 * i)) & 0xff);
      }
    }
    byte[] body = payload;
    if (mask) {
      byte[] key = new byte[4];
      masks.nextBytes(key);
      f.writeBytes(key);
      body = new byte[payload.length];
      for (int i = 0; i < payload.length; i++) {
        body[i] = (byte) (payload[i] ^ key[i & 3]);
      }
    }
    f.writeBytes(body);
    out.write(f.toByteArray());
    out.flush();
  }

  /** Writes a frame header announcing {@code length} bytes (up to 2^63-1) and no payload. */
  void announce(int opcode, long length) throws IOException {
    byte[] h = new byte[14];
    h[0] = (byte) (0x80 | opcode);
    h[1] = (byte) (0x80 | 127);
    for (int i = 0; i < 8; i++) {
      h[2 + i] = (byte) (length >>> (8 * (7 - i)));
    }
    out.write(h); // the 4 mask bytes are zero
    out.flush();
  }

  /**
   * The next frame within {@code timeoutMs}; {@link RawHttp.Hung} when none came, {@link EOFException}
   * when the server closed the TCP connection without a frame.
   */
  Frame read(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    try {
      int b0 = in.readUnsignedByte();
      int b1 = in.readUnsignedByte();
      long len = b1 & 0x7f;
      if (len == 126) {
        len = in.readUnsignedShort();
      } else if (len == 127) {
        len = in.readLong();
      }
      if ((b1 & 0x80) != 0) {
        throw new IOException("the server masked a frame (RFC 6455 5.1 forbids it)");
      }
      if (len > 64L << 20) {
        throw new IOException("the server announced a frame of " + len + " bytes");
      }
      byte[] payload = new byte[(int) len];
      in.readFully(payload);
      return new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload);
    } catch (SocketTimeoutException e) {
      throw new RawHttp.Hung("no frame within " + timeoutMs + " ms");
    }
  }

  /** Whether the server closed the TCP connection (EOF or reset) within {@code timeoutMs}, reading past frames. */
  boolean closedWithin(int timeoutMs) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    try {
      while (System.currentTimeMillis() < deadline) {
        read((int) Math.max(1, deadline - System.currentTimeMillis()));
      }
      return false;
    } catch (EOFException | java.net.SocketException e) {
      return true;
    } catch (RawHttp.Hung e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
