package io.emp.monitor.browser;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of the monitor that can make the connections it carries go silent without
 * closing them — the "zombie" connection the original monitor never noticed (it kept showing
 * "Connected"). {@link #freeze()} drops every byte of the current connections in both directions;
 * connections opened afterwards are carried normally, so the page can reconnect.
 */
final class FreezableProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  FreezableProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Silences every connection open now (bytes are read and dropped; nothing is closed). */
  void freeze() {
    pairs.forEach(p -> p.frozen = true);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        Pair p = new Pair(client, upstream);
        pairs.add(p);
        pump(p, client, upstream);
        pump(p, upstream, client);
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(Pair p, Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (!p.frozen) {
            out.write(buf, 0, n);
            out.flush();
          }
        }
      } catch (IOException ignored) {
        // either side closed
      } finally {
        p.close();
        pairs.remove(p);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    pairs.forEach(Pair::close);
  }

  private static final class Pair {
    final Socket a;
    final Socket b;
    volatile boolean frozen;

    Pair(Socket a, Socket b) {
      this.a = a;
      this.b = b;
    }

    void close() {
      try {
        a.close();
      } catch (IOException ignored) {
        // closing
      }
      try {
        b.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
