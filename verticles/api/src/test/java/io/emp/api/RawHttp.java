package io.emp.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.1 client for hostile requests: the request is written as the exact bytes
 * given (no header validation, no encoding), and the first response is read with a deadline. Clients
 * such as {@code WebClient} refuse to send most of what a fuzz test needs (CR/LF in headers, invalid
 * UTF-8, bad request lines).
 */
final class RawHttp {
  private RawHttp() {
  }

  /** One parsed response; {@code headers} keys are lower case. */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** The server did not answer (completely) within the deadline: a hung connection. */
  static final class Hung extends IOException {
    Hung(String message) {
      super(message);
    }
  }

  /**
   * Sends {@code request} on a fresh connection and reads one response within {@code timeoutMs}.
   * A reset after the server answered (it closes once a refused body is still arriving) is fine: the
   * answer already read counts.
   */
  static Response exchange(String host, int port, byte[] request, int timeoutMs, boolean head) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      IOException writeFailure = null;
      try {
        OutputStream out = s.getOutputStream();
        out.write(request);
        out.flush();
      } catch (IOException e) {
        writeFailure = e; // the server may have answered and closed before it read everything
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      Response r = read(s.getInputStream(), got, deadline, head);
      if (r == null) {
        String why = writeFailure != null ? " (write failed: " + writeFailure + ")" : "";
        throw new IOException("no complete response; got " + got.size() + " bytes: "
          + preview(got.toByteArray()) + why);
      }
      return r;
    }
  }

  private static Response read(InputStream in, ByteArrayOutputStream got, long deadline, boolean head)
    throws IOException {
    byte[] buf = new byte[16384];
    while (true) {
      Response r = head ? headOnly(got.toByteArray()) : parse(got.toByteArray());
      if (r != null) {
        return r;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new Hung("no complete response before the deadline; got " + got.size() + " bytes");
      }
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        throw new Hung("no complete response within the socket timeout; got " + got.size() + " bytes: "
          + preview(got.toByteArray()));
      } catch (IOException e) {
        return head ? headOnly(got.toByteArray()) : parseAtEof(got.toByteArray()); // reset: what came before it
      }
      if (n < 0) {
        return head ? headOnly(got.toByteArray()) : parseAtEof(got.toByteArray());
      }
      got.write(buf, 0, n);
    }
  }

  /** The answer to a HEAD request: headers only. */
  private static Response headOnly(byte[] data) {
    int end = headerEnd(data);
    return end < 0 ? null : parse(java.util.Arrays.copyOf(data, end + 4), true);
  }

  private static Response parse(byte[] data) {
    return parse(data, false);
  }

  /** A complete response in {@code data}, or null when more bytes are needed. */
  private static Response parse(byte[] data, boolean headersOnly) {
    int end = headerEnd(data);
    if (end < 0) {
      return null;
    }
    String head = new String(data, 0, end, StandardCharsets.ISO_8859_1);
    String[] lines = head.split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    int status = Integer.parseInt(statusLine[1]);
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
      }
    }
    int bodyStart = end + 4;
    if (headersOnly || status == 204 || status == 304 || status / 100 == 1) {
      return new Response(status, headers, new byte[0]);
    }
    String length = headers.get("content-length");
    if (length != null) {
      int n = Integer.parseInt(length);
      if (data.length - bodyStart < n) {
        return null;
      }
      byte[] body = new byte[n];
      System.arraycopy(data, bodyStart, body, 0, n);
      return new Response(status, headers, body);
    }
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      return dechunk(data, bodyStart, status, headers);
    }
    return null; // body until EOF
  }

  /** At EOF a response without length or chunking ends here; one with them must be complete. */
  private static Response parseAtEof(byte[] data) {
    Response r = parse(data);
    int end = headerEnd(data);
    if (r != null || end < 0) {
      return r;
    }
    String head = new String(data, 0, end, StandardCharsets.ISO_8859_1).toLowerCase();
    if (head.contains("content-length:") || head.contains("chunked")) {
      return null; // truncated
    }
    int status = Integer.parseInt(head.split("\r\n")[0].split(" ", 3)[1]);
    return new Response(status, Map.of(), java.util.Arrays.copyOfRange(data, end + 4, data.length));
  }

  private static Response dechunk(byte[] data, int from, int status, Map<String, String> headers) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int i = from;
    while (true) {
      int eol = indexOf(data, i, "\r\n");
      if (eol < 0) {
        return null;
      }
      String size = new String(data, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
      int n = Integer.parseInt(size, 16);
      if (n == 0) {
        return indexOf(data, eol + 2, "\r\n") < 0 ? null : new Response(status, headers, body.toByteArray());
      }
      if (data.length < eol + 2 + n + 2) {
        return null;
      }
      body.write(data, eol + 2, n);
      i = eol + 2 + n + 2;
    }
  }

  private static int headerEnd(byte[] data) {
    return indexOf(data, 0, "\r\n\r\n");
  }

  private static int indexOf(byte[] data, int from, String pattern) {
    byte[] p = pattern.getBytes(StandardCharsets.ISO_8859_1);
    outer:
    for (int i = from; i <= data.length - p.length; i++) {
      for (int k = 0; k < p.length; k++) {
        if (data[i + k] != p[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static String preview(byte[] data) {
    String s = new String(data, 0, Math.min(data.length, 300), StandardCharsets.ISO_8859_1);
    return io.emp.core.LogSafe.of(s, 300);
  }
}
