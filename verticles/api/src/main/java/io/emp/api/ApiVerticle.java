package io.emp.api;

import io.emp.core.auth.Scope;
import io.emp.core.config.EnvConfig;
import io.emp.core.events.EventStreams;
import io.emp.core.http.Readiness;
import io.emp.core.metrics.Metrics;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.core.store.MachineRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.redis.client.Redis;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The api role: REST, SSE and WebSocket for clients of one namespace (docs/api.md). {@link #start()}
 * completes once the function library is loaded, the event tailer follows the stream and the server
 * listens. Holds no static state, so several can run in one JVM against different namespaces.
 */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final List<Integer> ERROR_STATUSES = List.of(400, 401, 403, 404, 405, 413, 415, 500);

  private final ApiConfig config;
  private Redis redis;
  private boolean tailing;
  private HttpServer server;
  private Router router;
  private volatile int port = -1;

  public ApiVerticle(ApiConfig config) {
    this.config = config;
  }

  /** For the standalone jar and tests: the verticle configured from {@code EMP_*} values. */
  public static ApiVerticle fromEnv(EnvConfig env) {
    return new ApiVerticle(ApiConfig.from(env));
  }

  @Override
  public Future<?> start() {
    LuaLibrary library = LuaLibrary.fromClasspath();
    Routes h = wire(library);

    router = Router.router(vertx);
    cors(router);
    router.get("/health").handler(h.ops()::health);
    router.get("/ready").handler(h.ops()::ready);
    router.get("/metrics").handler(h.ops()::metrics);
    router.get("/openapi.yaml").handler(h.ops()::openapi);
    router.route().handler(new TokenAuth(config.tokens(), ApiVerticle::isBrowserStream));
    // scopes (docs/security.md#scopes); job routes check ownership of submit-only tokens in Jobs
    var read = Authz.require(Scope.READ);
    var operate = Authz.require(Scope.OPERATE);
    var jobReader = Authz.requireAny(Scope.READ, Scope.SUBMIT);
    SseLimits streams = new SseLimits(config.maxSsePerToken());
    router.post(JobRoutes.BASE).consumes(Http.JSON).handler(body()).handler(Authz.require(Scope.SUBMIT))
      .handler(h.jobs()::submit);
    router.get(JobRoutes.BASE).handler(jobReader).handler(h.jobs()::list);
    router.get(JobRoutes.BASE + "/:id").handler(jobReader).handler(h.jobs()::get);
    router.post(JobRoutes.BASE + "/:id/cancel").handler(Authz.requireAny(Scope.OPERATE, Scope.SUBMIT))
      .handler(h.jobs()::cancel);
    router.post(JobRoutes.BASE + "/:id/retry").handler(operate).handler(h.jobs()::retry);
    router.get(JobRoutes.BASE + "/:id/events").handler(jobReader).handler(streams).handler(h.events()::stream);
    router.get(JobRoutes.BASE + "/:id/explain").handler(read).handler(h.jobs()::explain);
    router.get(AllEvents.PATH).handler(read).handler(streams).handler(h.allEvents()::stream);
    router.get("/api/workers").handler(read).handler(h.fleet()::workers);
    router.get("/api/machines").handler(read).handler(h.machines()::list);
    router.get("/api/machines/:id").handler(read).handler(h.machines()::get);
    router.delete("/api/machines/:id").handler(operate).handler(h.machines()::delete);
    router.post("/api/machines/:id/restart").handler(operate).handler(h.machines()::restart);
    router.post("/api/machines/:id/drain").handler(operate).handler(h.machines()::drain);
    router.post("/api/machines/:id/services/:name/restart").handler(operate)
      .handler(rc -> h.machines().serviceCommand(rc, "restart_service"));
    router.post("/api/machines/:id/services/:name/stop").handler(operate)
      .handler(rc -> h.machines().serviceCommand(rc, "stop_service"));
    router.post("/api/machines/:id/services/:name/start").handler(operate)
      .handler(rc -> h.machines().serviceCommand(rc, "start_service"));
    router.get("/api/machines/:id/services/:name/logs").handler(read).handler(h.machines()::logs);
    router.get("/api/stats").handler(read).handler(h.fleet()::stats);
    router.get(ClientSockets.PATH).handler(jobReader).handler(h.sockets()::upgrade);
    router.route().failureHandler(ErrorMapper::handle);
    ERROR_STATUSES.forEach(status -> router.errorHandler(status, ErrorMapper::handle));

    return FunctionLoader.ensureLoaded(redis, library)
      .compose(v -> EventStreams.acquire(vertx, config.redis()))
      .onSuccess(v -> tailing = true)
      .compose(v -> listen())
      .onSuccess(v -> LOG.info("api listening on http://{}:{} for namespace {} (auth {})", config.host(), port,
        config.redis().namespace(), config.authEnabled() ? "on" : "OFF"))
      .recover(e -> release().transform(x -> Future.failedFuture(e))); // a failed start gets no stop()
  }

  @Override
  public Future<?> stop() {
    return release();
  }

  /** The port the server listens on (the chosen one when configured as 0); -1 before start. */
  public int actualPort() {
    return port;
  }

  /** The configured routes, for the OpenAPI contract test. */
  Router router() {
    return router;
  }

  /** The route handlers, wired to one Redis client, store and metrics. */
  private record Routes(JobRoutes jobs, JobEvents events, AllEvents allEvents, FleetRoutes fleet,
                        MachineRoutes machines, OpsRoutes ops, ClientSockets sockets) {
  }

  private Routes wire(LuaLibrary library) {
    redis = RedisClients.create(vertx, config.redis(), config.redis().poolSize());
    BrokerStore store = new BrokerStore(redis, config.redis().keys());
    ApiMetrics metrics = new ApiMetrics(Metrics.registry());
    Jobs jobs = new Jobs(store, config.maxPayloadBytes(), metrics);
    EventLog log = new EventLog(redis, store.keys());
    return new Routes(
      new JobRoutes(jobs),
      new JobEvents(vertx, store, log, config.sseKeepAliveMs(), metrics),
      new AllEvents(vertx, log, config.sseKeepAliveMs(), metrics),
      new FleetRoutes(store),
      new MachineRoutes(new MachineOps(vertx, store, new MachineRegistry(redis, store.keys()), config.commandTimeoutMs())),
      new OpsRoutes(vertx, new Readiness().redis(redis, library.version())),
      new ClientSockets(jobs, vertx.eventBus(), metrics, config.bodyLimitBytes()));
  }

  /** The GET endpoints browsers open without custom headers (EventSource, WebSocket): ?token= allowed. */
  private static boolean isBrowserStream(String path) {
    return path.equals(ClientSockets.PATH) || path.equals(AllEvents.PATH)
      || path.startsWith(JobRoutes.BASE + "/") && path.endsWith("/events");
  }

  private Future<Void> release() {
    // the process's one tailer per namespace is shared with other roles (the monitor in the standalone jar)
    Future<Void> released = tailing ? EventStreams.release(vertx, config.redis().keys()) : Future.succeededFuture();
    tailing = false;
    return released
      .eventually(() -> server == null ? Future.succeededFuture() : server.close())
      .eventually(() -> redis.close());
  }

  private Future<Void> listen() {
    if (!config.authEnabled()) {
      LOG.warn("EMP_AUTH=off: the api accepts every request without a token");
    }
    int wsLimit = (int) Math.min(Integer.MAX_VALUE, config.bodyLimitBytes());
    // no WebSocket compression: the JSON messages are small, an inflated message could be far larger than
    // the frame that carried it, and with an extension allowed Netty accepts RSV bits nobody negotiated
    // (found by WebSocketFuzzTest)
    HttpServerOptions options = new HttpServerOptions()
      .setPerMessageWebSocketCompressionSupported(false)
      .setPerFrameWebSocketCompressionSupported(false)
      .setMaxWebSocketFrameSize(wsLimit)
      .setMaxWebSocketMessageSize(wsLimit)
      .setMaxHeaderSize(config.maxHeaderBytes())
      .setMaxInitialLineLength(8192);
    server = vertx.createHttpServer(options).requestHandler(router)
      .invalidRequestHandler(ErrorMapper::invalidRequest);
    return server.listen(config.port(), config.host()).map(s -> {
      port = s.actualPort();
      return null;
    });
  }

  private BodyHandler body() {
    return BodyHandler.create(false).setBodyLimit(config.bodyLimitBytes());
  }

  /** Only the configured origins get CORS headers; bearer tokens, not cookies, so no credentials. */
  private void cors(Router r) {
    if (config.corsOrigins().isEmpty()) {
      return;
    }
    r.route().handler(CorsHandler.create()
      .addOrigins(config.corsOrigins())
      .allowCredentials(false)
      .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
      .allowedHeaders(Set.of("Authorization", "Content-Type", "Last-Event-ID"))
      .exposedHeaders(Set.of("Location"))
      .maxAgeSeconds(600));
  }
}
