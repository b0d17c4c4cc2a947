package io.emp.standalone.chaos;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A dashboard-like client of {@code GET /api/events} (every job event of the namespace over SSE):
 * it follows the stream, and whenever the connection ends — an api killed, a stream cut — it
 * reconnects, to the next api, with {@code Last-Event-ID} set to the last id it received, as a
 * browser's EventSource does. Every job event it receives goes to the {@link Ledger}, which counts an
 * event id received twice as a duplicate delivery.
 */
final class EventFollower implements AutoCloseable {
  private final List<String> apis;
  private final Ledger ledger;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile InputStream current;
  private volatile String lastId;
  private volatile long lastEventAt;
  final AtomicLong connects = new AtomicLong();

  EventFollower(List<String> apis, Ledger ledger, String fromId) {
    this.apis = List.copyOf(apis);
    this.ledger = ledger;
    this.lastId = fromId;
    this.thread = new Thread(this::run, "chaos-sse");
    thread.setDaemon(true);
    thread.start();
  }

  String lastId() {
    return lastId;
  }

  long lastEventAt() {
    return lastEventAt;
  }

  private void run() {
    int k = 0;
    while (running) {
      String api = apis.get(Math.floorMod(k++, apis.size()));
      try {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + "/api/events"))
          .header("Authorization", "Bearer " + Fleet.TOKEN);
        if (lastId != null) {
          b.header("Last-Event-ID", lastId);
        }
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
          r.body().close();
          pause(300);
          continue;
        }
        connects.incrementAndGet();
        current = r.body();
        read(r.body());
      } catch (Exception e) {
        // the api died or the stream was cut: reconnect below
      }
      if (running) {
        pause(200);
      }
    }
  }

  private void read(InputStream body) throws java.io.IOException {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String event = null;
      StringBuilder data = new StringBuilder();
      String line;
      while (running && (line = in.readLine()) != null) {
        if (line.isEmpty()) {
          dispatch(id, event, data.toString());
          id = null;
          event = null;
          data.setLength(0);
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        }
      }
    }
  }

  private void dispatch(String id, String event, String data) {
    if (event == null && data.isEmpty()) {
      return; // a comment (keep-alive)
    }
    if ("reset".equals(event)) {
      ledger.resets.incrementAndGet();
    } else if (event != null && event.startsWith("job.")) {
      String job = null;
      try {
        job = new JsonObject(data).getString("job");
      } catch (RuntimeException ignored) {
        // malformed data would be a bug; the ledger sees the event without a job
      }
      ledger.clientEvent(id, event, job);
      lastEventAt = System.currentTimeMillis();
    }
    if (id != null && !id.isEmpty()) {
      lastId = id;
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    InputStream in = current;
    if (in != null) {
      try {
        in.close();
      } catch (Exception ignored) {
        // closing
      }
    }
    thread.interrupt();
  }
}
