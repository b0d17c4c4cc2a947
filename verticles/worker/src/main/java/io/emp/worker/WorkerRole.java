package io.emp.worker;

import io.emp.core.config.EnvConfig;
import io.emp.core.http.HealthServer;
import io.emp.core.http.Readiness;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.worker.connector.ConnectorRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker role of one process: {@code EMP_WORKERS} {@link WorkerVerticle}s sharing one pooled
 * Redis client and {@link BrokerStore}, plus the health server ({@code /health}, {@code /ready},
 * {@code /metrics}) on {@code EMP_HEALTH_PORT}. Configuration is parsed (and connector settings
 * validated) in the constructor, so a bad value fails before Vert.x starts.
 *
 * <p>Start: load the function library if needed, deploy the workers as children (each on its own
 * event loop), then listen. Stop: Vert.x undeploys the children first — each drains and releases its
 * jobs — then this closes the health server and the Redis client. Used by {@link WorkerMain} and by
 * the standalone jar ({@link #deployables(EnvConfig)}).
 */
public final class WorkerRole extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerRole.class);

  private final WorkerConfig config;
  private final List<ConnectorRegistry.Prepared> connectors;
  private List<WorkerVerticle> workers = List.of();
  private Redis redis;
  private HealthServer health;
  private final AtomicBoolean reloading = new AtomicBoolean();
  private volatile int healthPort = -1;

  /** Parses {@code env}; throws {@link io.emp.core.config.ConfigException} naming the bad variable. */
  public WorkerRole(EnvConfig env) {
    this(env, ConnectorRegistry.defaults());
  }

  /** With a custom set of connectors (tests, embedding). */
  public WorkerRole(EnvConfig env, ConnectorRegistry registry) {
    this.config = WorkerConfig.from(env, registry);
    this.connectors = registry.prepare(config.connectors(), env);
  }

  /** What a process deploys for the worker role: one {@link WorkerRole}. */
  public static List<Deployable> deployables(EnvConfig env) {
    return List.of(new WorkerRole(env));
  }

  public WorkerConfig workerConfig() {
    return config;
  }

  /** The health port actually bound (-1 when disabled or not started). */
  public int healthPort() {
    return healthPort;
  }

  public List<String> workerIds() {
    return config.workerIds();
  }

  @Override
  public Future<?> start() {
    LuaLibrary library = LuaLibrary.fromClasspath();
    redis = RedisClients.create(vertx, config.redis(), config.redis().poolSize());
    BrokerStore store = new BrokerStore(redis, config.redis().keys());
    workers = IntStream.range(config.workerIndexStart(), config.workerIndexStart() + config.workers())
      .mapToObj(i -> new WorkerVerticle(config, i, store, connectors, () -> reloadLibrary(library)))
      .toList();
    health = new HealthServer(vertx, "worker", readiness(library), info());
    return FunctionLoader.ensureLoaded(redis, library)
      .compose(v -> Future.all(workers.stream().map(w -> vertx.deployVerticle(w)).toList()))
      .compose(v -> health.start(config.healthHost(), config.healthPort()))
      .onSuccess(port -> {
        healthPort = port;
        LOG.info("worker role started: {} worker(s) {} on machine {}, namespace {}", workers.size(), workerIds(),
          config.machineId(), config.redis().namespace());
      })
      .recover(e -> redis.close().transform(x -> Future.failedFuture(e)));
  }

  @Override
  public Future<?> stop() {
    // The workers are child deployments: Vert.x has already stopped them (drained, released, left).
    return health.stop().eventually(() -> redis.close());
  }

  /** Redis lost the library (restarted without persistence): load it again, once at a time. */
  private void reloadLibrary(LuaLibrary library) {
    if (reloading.compareAndSet(false, true)) {
      LOG.warn("the function library is missing from Redis (restarted empty?); loading it again");
      FunctionLoader.ensureLoaded(redis, library).onComplete(ar -> {
        reloading.set(false);
        if (ar.failed()) {
          LOG.warn("could not load the function library: {}", ar.cause().toString());
        }
      });
    }
  }

  private Readiness readiness(LuaLibrary library) {
    return new Readiness()
      .redis(redis, library.version())
      .add("workers", () -> {
        List<String> missing = workers.stream().filter(w -> !w.registered()).map(WorkerVerticle::workerId).toList();
        return Future.succeededFuture(missing.isEmpty() ? null : "not registered: " + String.join(", ", missing));
      })
      .add("connectors", () -> {
        List<Future<String>> checks = workers.stream().map(WorkerVerticle::healthProblem).toList();
        return Future.join(checks).transform(ar -> Future.succeededFuture(checks.stream()
          .filter(f -> f.succeeded() && f.result() != null).map(Future::result).findFirst().orElse(null)));
      });
  }

  private JsonObject info() {
    return new JsonObject()
      .put("machine_id", config.machineId())
      .put("namespace", config.redis().namespace())
      .put("workers", new JsonArray(workerIds()))
      .put("connectors", new JsonArray(config.connectors()))
      .put("slots", config.slots());
  }
}
