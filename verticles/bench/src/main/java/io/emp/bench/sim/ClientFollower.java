package io.emp.bench.sim;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The submitting client's view: follows each accepted job over the api's SSE stream
 * ({@code GET /api/jobs/{id}/events}: the job's state, then every later event) until its terminal
 * event, and counts the completions the client was told about — the client-side acknowledgements
 * of the duplicate check. At most {@code maxStreams} streams are open; later jobs wait their turn (a
 * stream opened after the job ended delivers its final state and ends). A dropped stream resumes
 * with {@code Last-Event-ID}, so nothing is counted twice.
 */
final class ClientFollower {
  private final HttpClient http;
  private final int port;
  private final String token;
  private final int maxStreams;
  private final RunData data;
  private final Deque<String> waiting = new ArrayDeque<>();
  private int open;
  private int streamErrors;

  ClientFollower(Vertx vertx, int port, String token, int maxStreams, RunData data) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
      new PoolOptions().setHttp1MaxSize(maxStreams));
    this.port = port;
    this.token = token;
    this.maxStreams = maxStreams;
    this.data = data;
  }

  synchronized void follow(String jobId) {
    waiting.add(jobId);
    pump();
  }

  /** Streams open or waiting. */
  synchronized int pending() {
    return open + waiting.size();
  }

  synchronized int streamErrors() {
    return streamErrors;
  }

  private synchronized void pump() {
    while (open < maxStreams && !waiting.isEmpty()) {
      open++;
      stream(waiting.poll(), null, 0);
    }
  }

  private synchronized void done() {
    open--;
    pump();
  }

  private void stream(String jobId, String lastEventId, int attempt) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
      .setURI("/api/jobs/" + jobId + "/events").putHeader("Authorization", "Bearer " + token)
      .putHeader("Accept", "text/event-stream");
    if (lastEventId != null) {
      o.putHeader("Last-Event-ID", lastEventId);
    }
    SseParser parser = new SseParser(jobId);
    http.request(o)
      .compose(req -> req.send())
      .onSuccess(resp -> {
        if (resp.statusCode() == 204) {
          done();
          return;
        }
        resp.handler(parser::feed);
        resp.exceptionHandler(e -> retry(jobId, parser, attempt));
        resp.endHandler(v -> {
          if (parser.terminal) {
            done();
          } else {
            retry(jobId, parser, attempt);
          }
        });
      })
      .onFailure(e -> retry(jobId, parser, attempt));
  }

  private void retry(String jobId, SseParser parser, int attempt) {
    synchronized (this) {
      streamErrors++;
    }
    if (parser.terminal || attempt >= 20) {
      done();
      return;
    }
    String resumeFrom = parser.lastId != null ? parser.lastId : null;
    stream(jobId, resumeFrom, attempt + 1);
  }

  Void close() {
    http.close();
    return null;
  }

  /** Splits the stream into events and counts completions and failures. */
  private final class SseParser {
    private final String jobId;
    private final StringBuilder buffer = new StringBuilder();
    private String lastId;
    private boolean terminal;

    SseParser(String jobId) {
      this.jobId = jobId;
    }

    void feed(Buffer chunk) {
      buffer.append(chunk.toString());
      int end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        String block = buffer.substring(0, end);
        buffer.delete(0, end + 2);
        event(block);
      }
    }

    private void event(String block) {
      String type = null;
      String id = null;
      StringBuilder payload = new StringBuilder();
      for (String line : block.split("\n")) {
        if (line.startsWith("event:")) {
          type = line.substring(6).trim();
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("data:")) {
          payload.append(line.substring(5).trim());
        }
      }
      if (type == null) {
        return;
      }
      if (id != null) {
        lastId = id;
      }
      String status = switch (type) {
        case "state" -> new JsonObject(payload.toString()).getString("status");
        case "job.completed" -> "completed";
        case "job.failed" -> "failed";
        case "job.cancelled" -> "cancelled";
        default -> null;
      };
      if (status == null) {
        return;
      }
      synchronized (data) {
        RunData.JobTrace t = data.job(jobId);
        switch (status) {
          case "completed" -> {
            t.clientCompletions++;
            t.clientDone = true;
            terminal = true;
          }
          case "failed", "cancelled" -> {
            t.clientFailures++;
            t.clientDone = true;
            terminal = true;
          }
          default -> {
            // queued, assigned, running: wait for more
          }
        }
      }
    }
  }
}
