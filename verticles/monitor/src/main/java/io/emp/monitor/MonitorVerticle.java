package io.emp.monitor;

import io.emp.api.Operations;
import io.emp.core.config.EnvConfig;
import io.emp.core.events.EventStreams;
import io.emp.core.http.Readiness;
import io.emp.core.metrics.Metrics;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor role (docs/monitor.md): the page from {@code webroot/}, uPlot from its WebJar, the
 * SockJS event-bus bridge with its allow-list, the snapshot and command RPC, the stats ticker and
 * history, and {@code /health}, {@code /ready}, {@code /metrics}. Shares the process's event-stream
 * tailer with the api when both run in one JVM. Holds no static state.
 */
public final class MonitorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MonitorVerticle.class);
  /** The page's policy: its own scripts and styles only, WebSocket to itself, nothing inline. */
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  private final MonitorConfig config;
  private Redis redis;
  private HttpServer server;
  private boolean tailing;
  private HistoryFeed feed;
  private StatsTicker ticker;
  private SnapshotRpc snapshots;
  private CommandRpc commands;
  private BridgeGuard guard;
  private volatile int port = -1;

  public MonitorVerticle(MonitorConfig config) {
    this.config = config;
  }

  public static MonitorVerticle fromEnv(EnvConfig env) {
    return new MonitorVerticle(MonitorConfig.from(env));
  }

  @Override
  public Future<?> start() {
    LuaLibrary library = LuaLibrary.fromClasspath();
    redis = RedisClients.create(vertx, config.redis(), config.redis().poolSize());
    BrokerStore store = new BrokerStore(redis, config.redis().keys());
    Operations ops = Operations.create(vertx, store, config.maxPayloadBytes(), config.commandTimeoutMs());
    OperatorToken token = new OperatorToken(config.tokens());
    StatsHistory history = new StatsHistory(config.sampleMs(), config.historySeconds());
    feed = new HistoryFeed(redis, store.keys(), history, config.historySeconds() * 1000);
    ticker = new StatsTicker(vertx, store, history, config.tickMs());
    snapshots = new SnapshotRpc(store, ops, history, token, config.snapshotActive(), config.snapshotFinished());
    commands = new CommandRpc(ops, token);
    guard = new BridgeGuard(token);
    registerGauge();
    Readiness readiness = new Readiness().redis(redis, library.version())
      .add("history", () -> Future.succeededFuture(feed.ready() ? null : "backfilling stats history from the stream"));
    Router router = router(readiness);

    return FunctionLoader.ensureLoaded(redis, library)
      .compose(v -> EventStreams.acquire(vertx, config.redis()))
      .onSuccess(v -> tailing = true)
      .compose(v -> feed.start(vertx.eventBus()))
      .compose(v -> snapshots.register(vertx.eventBus()))
      .compose(v -> commands.register(vertx.eventBus()))
      .onSuccess(v -> ticker.start())
      .compose(v -> listen(router))
      .onSuccess(v -> LOG.info("monitor on http://{}:{}/ for namespace {} (auth {})", config.host(), port,
        config.redis().namespace(), config.authEnabled() ? "on" : "OFF"))
      .recover(e -> release().transform(x -> Future.failedFuture(e)));
  }

  @Override
  public Future<?> stop() {
    return release();
  }

  /** The port the server listens on (the chosen one when configured as 0); -1 before start. */
  public int actualPort() {
    return port;
  }

  private Router router(Readiness readiness) {
    Router router = Router.router(vertx);
    router.route().handler(MonitorVerticle::securityHeaders);
    router.get("/health").handler(rc -> json(rc, 200, new JsonObject().put("status", "up").put("role", "monitor")
      .put("cluster", io.emp.core.cluster.ClusterInfo.of(vertx))));
    router.get("/ready").handler(rc -> readiness.check()
      .onSuccess(r -> json(rc, r.getBoolean("ready", false) ? 200 : 503, r))
      .onFailure(rc::fail));
    router.get("/metrics").handler(rc -> rc.response()
      .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
      .end(Metrics.scrape()));
    SockJSHandler sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions()
      .setRegisterWriteHandler(false)
      .setInsertJSESSIONID(false));
    router.route("/eventbus/*").subRouter(sockJs.bridge(BridgeGuard.options(config.pingTimeoutMs()), guard));
    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars").setMaxAgeSeconds(86_400));
    router.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html").setCachingEnabled(false)
      .setDefaultContentEncoding("UTF-8"));
    return router;
  }

  private static void securityHeaders(RoutingContext rc) {
    rc.response().headers()
      .set("Content-Security-Policy", CSP)
      .set("X-Content-Type-Options", "nosniff")
      .set("Referrer-Policy", "no-referrer")
      .set("X-Frame-Options", "DENY");
    rc.next();
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
  }

  private void registerGauge() {
    var registry = Metrics.registry();
    if (registry.find("emp_monitor_bridge_sockets").gauge() == null) {
      Gauge.builder("emp_monitor_bridge_sockets", guard, BridgeGuard::openSockets)
        .description("Open browser connections to the monitor's event-bus bridge")
        .register(registry);
    }
  }

  private Future<Void> listen(Router router) {
    if (!config.authEnabled()) {
      LOG.warn("EMP_AUTH=off: the monitor accepts every browser without a token");
    }
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(config.port(), config.host()).map(s -> {
      port = s.actualPort();
      return null;
    });
  }

  private Future<Void> release() {
    if (ticker != null) {
      ticker.stop();
    }
    Future<Void> released = tailing ? EventStreams.release(vertx, config.redis().keys()) : Future.succeededFuture();
    tailing = false;
    return released
      .eventually(() -> feed == null ? Future.succeededFuture() : feed.stop())
      .eventually(() -> snapshots == null ? Future.succeededFuture() : snapshots.unregister())
      .eventually(() -> commands == null ? Future.succeededFuture() : commands.unregister())
      .eventually(() -> server == null ? Future.succeededFuture() : server.close())
      .eventually(() -> redis.close());
  }
}
