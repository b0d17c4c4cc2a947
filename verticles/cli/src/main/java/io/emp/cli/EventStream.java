package io.emp.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An open {@code text/event-stream}, parsed as the SSE specification says: fields {@code id},
 * {@code event}, {@code data} (several data lines join with a newline), a blank line ends an event,
 * lines starting with {@code :} are comments (the api's keep-alives). A daemon thread reads the socket,
 * so {@link #next(long)} can give up after a deadline while the connection idles.
 */
final class EventStream implements AutoCloseable {
  /** Marks the end of the stream in the queue (the server closed it, or the connection broke). */
  private static final SseEvent END = new SseEvent(null, "", null);

  private final InputStream in;
  private final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
  private volatile boolean ended;

  EventStream(InputStream in) {
    this.in = in;
    Thread reader = new Thread(this::read, "emp-sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The next event; null when the stream ended, or when {@code timeoutMs} (≥ 0) passed without one.
   * A negative timeout waits as long as it takes. {@link #ended()} tells the two apart.
   */
  SseEvent next(long timeoutMs) {
    if (ended && events.isEmpty()) {
      return null;
    }
    try {
      SseEvent e = timeoutMs < 0 ? events.take() : events.poll(timeoutMs, TimeUnit.MILLISECONDS);
      if (e == END) {
        ended = true;
        return null;
      }
      return e;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** True once the server ended the stream or the connection broke. */
  boolean ended() {
    return ended;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // closing is all we wanted
    }
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String id = null;
      String event = null;
      StringBuilder data = null;
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null || event != null) {
            events.add(new SseEvent(id, event == null ? "message" : event, data == null ? "" : data.toString()));
          }
          id = null;
          event = null;
          data = null;
          continue;
        }
        if (line.startsWith(":")) {
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        switch (field) {
          case "id" -> id = value;
          case "event" -> event = value;
          case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
          default -> {
            // retry and unknown fields: nothing the CLI uses
          }
        }
      }
    } catch (IOException ignored) {
      // a broken connection ends the stream like a clean end: callers decide whether to resume
    } finally {
      events.add(END);
    }
  }
}
