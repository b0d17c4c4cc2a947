package io.emp.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP2 client for test set-up and assertions (the testkit has no Redis client
 * library): one command per fresh connection. Replies map to {@link String} (simple and bulk
 * strings), {@link Long}, {@link List} or null; an error reply throws {@link RespError}.
 */
public final class Resp {
  private static final int TIMEOUT_MS = 5_000;

  private Resp() {
  }

  /** An error reply ({@code -ERR ...}). */
  public static final class RespError extends IllegalStateException {
    public RespError(String message) {
      super(message);
    }
  }

  public static Object call(String host, int port, String... args) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
      s.setSoTimeout(TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      out.write(encode(args));
      out.flush();
      return read(new BufferedInputStream(s.getInputStream()));
    } catch (IOException e) {
      throw new IllegalStateException(host + ":" + port + " " + args[0] + ": " + e.getMessage(), e);
    }
  }

  /**
   * Sends every command on one fresh connection, then reads every reply, in batches of 1000. Error
   * replies come back as {@link RespError} elements instead of being thrown.
   */
  public static List<Object> pipeline(String host, int port, int timeoutMs, List<String[]> commands) {
    List<Object> replies = new ArrayList<>(commands.size());
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
      InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
      for (int from = 0; from < commands.size(); from += 1000) {
        int to = Math.min(commands.size(), from + 1000);
        for (int i = from; i < to; i++) {
          out.write(encode(commands.get(i)));
        }
        out.flush();
        for (int i = from; i < to; i++) {
          try {
            replies.add(read(in));
          } catch (RespError e) {
            replies.add(e);
          }
        }
      }
      return replies;
    } catch (IOException e) {
      throw new IllegalStateException("redis " + host + ":" + port + ": " + e, e);
    }
  }

  /** {@link #call} for a reply that is a string. */
  public static String string(String host, int port, String... args) {
    Object r = call(host, port, args);
    return r == null ? null : r.toString();
  }

  static byte[] encode(String... args) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String a : args) {
      byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
      b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(bytes);
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    return b.toByteArray();
  }

  static Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new RespError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] bytes = in.readNBytes(len + 2);
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          try {
            items.add(read(in));
          } catch (RespError e) {
            items.add(e); // an error inside an array is data
          }
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type " + (char) type + line);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read(); // \n
        break;
      }
      b.write(c);
    }
    if (c == -1) {
      throw new IOException("connection closed");
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
