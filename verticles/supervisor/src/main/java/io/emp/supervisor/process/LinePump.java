package io.emp.supervisor.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads one output stream of a child on its own daemon thread and hands each line (UTF-8) to a sink,
 * until EOF. It keeps draining whatever the sink does, so a child never blocks on a full pipe. Lines
 * end at LF, CR or CRLF (progress bars redraw with CR); one longer than {@link #MAX_LINE} bytes is split.
 *
 * <p>The stream must stay open until EOF: signal the child through {@code process.toHandle()}, since
 * {@code Process.destroy()} also closes its streams and the shutdown messages would be lost.
 */
final class LinePump implements Runnable {
  static final int MAX_LINE = 16 * 1024;
  private final InputStream in;
  private final Consumer<String> sink;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private boolean afterCr;

  private LinePump(InputStream in, Consumer<String> sink) {
    this.in = in;
    this.sink = sink;
  }

  static Thread start(String name, InputStream in, Consumer<String> sink) {
    Thread t = new Thread(new LinePump(in, sink), name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void run() {
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        for (int i = 0; i < n; i++) {
          accept(buf[i]);
        }
      }
    } catch (IOException e) {
      // closed under us: the stream ends here
    }
    if (line.size() > 0) {
      emit();
    }
  }

  private void accept(byte b) {
    if (b == '\n' && afterCr) {
      afterCr = false;
      return;
    }
    afterCr = b == '\r';
    if (b == '\n' || b == '\r') {
      emit();
    } else {
      line.write(b);
      if (line.size() >= MAX_LINE) {
        emit();
      }
    }
  }

  private void emit() {
    String s = line.toString(StandardCharsets.UTF_8);
    line.reset();
    try {
      sink.accept(s);
    } catch (RuntimeException e) {
      // a failing sink must not stop the draining
    }
  }
}
