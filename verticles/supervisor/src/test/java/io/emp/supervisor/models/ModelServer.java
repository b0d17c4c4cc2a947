package io.emp.supervisor.models;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model file server for the tests: {@code GET /m/<name>} with {@code Range: bytes=N-} support (206 +
 * Content-Range), and misbehaviours on demand — cut the body after some bytes on the first request
 * (the connection closes mid-body), ignore ranges (200 every time), delay the answer. Records every
 * request and the highest number served at once.
 */
final class ModelServer {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");
  private final Vertx vertx;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, Integer> cutFirstAt = new ConcurrentHashMap<>();
  private final Set<String> ignoreRange = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> delayMs = new ConcurrentHashMap<>();
  private final Map<String, String> redirects = new ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger serving = new AtomicInteger();
  final AtomicInteger maxServing = new AtomicInteger();
  private HttpServer server;

  /** One request as received. */
  record Request(String name, String range, String authorization) {
  }

  ModelServer(Vertx vertx) {
    this.vertx = vertx;
  }

  Future<Integer> start() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(0, "127.0.0.1").map(HttpServer::actualPort);
  }

  Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  int port() {
    return server.actualPort();
  }

  String url(String name) {
    return "http://127.0.0.1:" + server.actualPort() + "/m/" + name;
  }

  ModelServer file(String name, byte[] bytes) {
    files.put(name, bytes);
    return this;
  }

  ModelServer cutFirstRequestAt(String name, int bytes) {
    cutFirstAt.put(name, bytes);
    return this;
  }

  ModelServer ignoreRange(String name) {
    ignoreRange.add(name);
    return this;
  }

  /** {@code GET /m/<name>} answers 302 to {@code location}. */
  ModelServer redirect(String name, String location) {
    redirects.put(name, location);
    return this;
  }

  ModelServer delay(String name, long ms) {
    delayMs.put(name, ms);
    return this;
  }

  List<Request> requestsFor(String name) {
    return requests.stream().filter(r -> r.name().equals(name)).toList();
  }

  private void handle(HttpServerRequest req) {
    String name = req.path().startsWith("/m/") ? req.path().substring(3) : "";
    requests.add(new Request(name, req.getHeader("Range"), req.getHeader("Authorization")));
    if (redirects.containsKey(name)) {
      req.response().setStatusCode(302).putHeader("Location", redirects.get(name)).end();
      return;
    }
    byte[] body = files.get(name);
    if (body == null) {
      req.response().setStatusCode(404).end("no such model");
      return;
    }
    maxServing.accumulateAndGet(serving.incrementAndGet(), Math::max);
    java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable finish = () -> {
      if (over.compareAndSet(false, true)) {
        serving.decrementAndGet();
      }
    };
    req.response().closeHandler(v -> finish.run());
    req.response().endHandler(v -> finish.run());
    long delay = delayMs.getOrDefault(name, 0L);
    if (delay > 0) {
      vertx.setTimer(delay, t -> serve(req, name, body));
    } else {
      serve(req, name, body);
    }
  }

  private void serve(HttpServerRequest req, String name, byte[] body) {
    int from = 0;
    Matcher m = RANGE.matcher(String.valueOf(req.getHeader("Range")));
    if (m.matches() && !ignoreRange.contains(name)) {
      from = Integer.parseInt(m.group(1));
      if (from >= body.length) {
        req.response().setStatusCode(416).putHeader("Content-Range", "bytes */" + body.length).end();
        return;
      }
      req.response().setStatusCode(206)
        .putHeader("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
    }
    req.response().putHeader("Content-Length", String.valueOf(body.length - from));
    Integer cut = cutFirstAt.remove(name);
    if (cut != null) {
      req.response().write(Buffer.buffer(java.util.Arrays.copyOfRange(body, from, cut)))
        .onComplete(ar -> req.connection().close());
      return;
    }
    req.response().end(Buffer.buffer(java.util.Arrays.copyOfRange(body, from, body.length)));
  }
}
