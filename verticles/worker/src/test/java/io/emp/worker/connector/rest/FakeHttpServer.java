package io.emp.worker.connector.rest;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server on 127.0.0.1 for connector tests, scripted per route ({@code "POST /path"}) and
 * recording every request it receives. Unscripted routes answer 404. It can be stopped and started
 * again on the same port (a backend going down and coming back).
 */
public final class FakeHttpServer {

  /** A request as received. */
  public record Seen(String method, String path, String query, MultiMap headers, String body, long atMs) {
    public String route() {
      return method + " " + path;
    }
  }

  /** Answers one request; may answer late or never (a stalled backend). */
  @FunctionalInterface
  public interface Handler {
    void handle(HttpServerRequest request, Seen seen);
  }

  private final Vertx vertx;
  private final Map<String, Handler> routes = new ConcurrentHashMap<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private int port;

  public FakeHttpServer(Vertx vertx) {
    this.vertx = vertx;
  }

  public FakeHttpServer on(String route, Handler handler) {
    routes.put(route, handler);
    return this;
  }

  /** A route answering {@code status} with a JSON (or any) body. */
  public FakeHttpServer reply(String route, int status, String body) {
    return on(route, (req, s) -> json(req, status, body));
  }

  public static void json(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }

  public FakeHttpServer start() {
    return start(0);
  }

  public FakeHttpServer start(int onPort) {
    server = BrokerHarness.await(vertx.createHttpServer()
      .requestHandler(this::handle)
      .listen(onPort, "127.0.0.1"));
    port = server.actualPort();
    return this;
  }

  public void stop() {
    if (server != null) {
      BrokerHarness.await(server.close());
      server = null;
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  public List<Seen> seen(String route) {
    return seen.stream().filter(s -> s.route().equals(route)).toList();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      Seen s = new Seen(req.method().name(), req.path(), req.query(), MultiMap.caseInsensitiveMultiMap()
        .addAll(req.headers()), body.toString(), System.currentTimeMillis());
      seen.add(s);
      Handler h = routes.get(s.route());
      if (h == null) {
        req.response().setStatusCode(404).end("no route " + s.route());
      } else {
        h.handle(req, s);
      }
    });
  }
}
