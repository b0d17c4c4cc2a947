package io.emp.standalone.chaos;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos suite's own view of Redis: a blocking RESP2 client with pipelining, independent of the
 * product's client, used only to read what the broker wrote (the event stream, job hashes, counters)
 * and to change the server's configuration (persistence). Each call opens a fresh connection, so a
 * Redis that was killed, restarted or paused in between costs nothing but the call that hit it.
 */
final class RedisProbe {
  private final String host;
  private final int port;
  private final int timeoutMs;

  RedisProbe(String host, int port, int timeoutMs) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  /** An error reply ({@code -ERR ...}). */
  static final class RespError extends RuntimeException {
    RespError(String message) {
      super(message);
    }
  }

  /** One command; an error reply throws {@link RespError}. */
  Object call(String... args) {
    Object r = pipeline(List.<String[]>of(args)).get(0);
    if (r instanceof RespError e) {
      throw e;
    }
    return r;
  }

  String string(String... args) {
    Object r = call(args);
    return r == null ? null : r.toString();
  }

  boolean ping() {
    try {
      return "PONG".equals(string("PING"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Sends every command, then reads every reply, in batches of 1000. Error replies come back as {@link RespError}. */
  List<Object> pipeline(List<String[]> commands) {
    List<Object> out = new ArrayList<>(commands.size());
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      OutputStream os = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
      InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
      for (int from = 0; from < commands.size(); from += 1000) {
        int to = Math.min(commands.size(), from + 1000);
        for (int i = from; i < to; i++) {
          os.write(encode(commands.get(i)));
        }
        os.flush();
        for (int i = from; i < to; i++) {
          out.add(read(in));
        }
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("redis " + host + ":" + port + ": " + e, e);
    }
  }

  /** Every entry of a stream after {@code after} (exclusive; "-" = from the start), page by page. */
  List<StreamEntry> xrange(String key, String after, int page) {
    List<StreamEntry> all = new ArrayList<>();
    String start = after.equals("-") ? "-" : "(" + after;
    while (true) {
      @SuppressWarnings("unchecked")
      List<Object> entries = (List<Object>) call("XRANGE", key, start, "+", "COUNT", Integer.toString(page));
      if (entries == null || entries.isEmpty()) {
        return all;
      }
      for (Object e : entries) {
        List<?> pair = (List<?>) e;
        List<?> flat = (List<?>) pair.get(1);
        Map<String, String> f = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
          f.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        all.add(new StreamEntry(String.valueOf(pair.get(0)), f));
      }
      start = "(" + all.get(all.size() - 1).id();
      if (entries.size() < page) {
        return all;
      }
    }
  }

  /** One stream entry. */
  record StreamEntry(String id, Map<String, String> fields) {
  }

  private static byte[] encode(String[] args) {
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

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        return new RespError(line);
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
          items.add(read(in));
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
