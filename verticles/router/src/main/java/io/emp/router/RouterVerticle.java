package io.emp.router;

import io.emp.core.http.HealthServer;
import io.emp.core.http.Readiness;
import io.emp.core.metrics.Metrics;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.core.store.MachineRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router role: the broker's clock. Reaps expired leases (requeue, poison, timeout), promotes due
 * delayed jobs, prunes by retention and publishes queue gauges and a stats event. Every action is one
 * idempotent Redis function call, so any number of routers may run at once; correctness never depends
 * on one (claims promote due jobs too).
 */
public final class RouterVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RouterVerticle.class);
  private final RouterConfig config;
  private Redis redis;
  private BrokerStore store;
  private HealthServer health;
  private List<Housekeeper> tasks = List.of();
  private QueueGauges gauges;
  private java.util.function.Supplier<String> histograms;
  private Counter requeued;
  private Counter poisoned;
  private Counter cancelled;
  private Counter timedOut;
  private Counter extended;
  private Counter promoted;
  private volatile int healthPort = -1;

  public RouterVerticle(RouterConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    LuaLibrary library = LuaLibrary.fromClasspath();
    redis = RedisClients.create(vertx, config.redis(), 4);
    store = new BrokerStore(redis, config.redis().keys());
    registerMeters(Metrics.registry());
    health = new HealthServer(vertx, "router", new Readiness().redis(redis, library.version()),
      new JsonObject().put("namespace", config.redis().namespace()));
    return FunctionLoader.ensureLoaded(redis, library)
      .compose(v -> config.settings().isEmpty() ? Future.succeededFuture() : store.configure(config.settings()))
      .compose(v -> applyPools())
      .compose(v -> health.start(config.healthHost(), config.healthPort()))
      .onSuccess(port -> {
        healthPort = port;
        startTasks();
        LOG.info("router started on namespace {} (reap every {} ms, promote every {} ms, settings {})",
          config.redis().namespace(), config.reapIntervalMs(), config.promoteIntervalMs(), config.settings());
      });
  }

  @Override
  public Future<?> stop() {
    tasks.forEach(Housekeeper::stop);
    Metrics.removeExposition("router-histograms", histograms);
    return health.stop().eventually(() -> redis.close());
  }

  /** The health port actually bound (-1 when disabled). */
  public int healthPort() {
    return healthPort;
  }

  private void startTasks() {
    tasks = List.of(
      new Housekeeper(vertx, "reap", config.reapIntervalMs(), this::reap),
      new Housekeeper(vertx, "promote", config.promoteIntervalMs(), () -> store.promote(config.batch())
        .onSuccess(n -> promoted.increment(n))),
      new Housekeeper(vertx, "prune", config.pruneIntervalMs(), () -> store.prune(config.batch())
        .onSuccess(p -> {
          if (p.indexEntries() + p.signatures() + p.workers() > 0) {
            LOG.info("pruned {} index entries, {} signatures, {} workers", p.indexEntries(), p.signatures(), p.workers());
          }
        })),
      new Housekeeper(vertx, "stats", config.statsIntervalMs(), this::updateGauges));
    if (config.placement().enabled()) {
      PlacementPlanner planner = new PlacementPlanner(store, new MachineRegistry(redis, store.keys()),
        config.placement(), Metrics.registry());
      tasks = new java.util.ArrayList<>(tasks);
      tasks.add(new Housekeeper(vertx, "placement", config.placement().intervalMs(), planner::round));
    }
    tasks.forEach(Housekeeper::start);
  }

  /** EMP_POOLS_POLICY: a refused policy fails the start with the field named. */
  private Future<Void> applyPools() {
    if (config.poolsClear()) {
      LOG.info("pool policy cleared (EMP_POOLS_POLICY=off)");
      return store.setPools(null);
    }
    if (config.poolsPolicy() == null) {
      return Future.succeededFuture();
    }
    return store.setPools(config.poolsPolicy())
      .onSuccess(v -> LOG.info("pool policy applied: {}", config.poolsPolicy().encode()))
      .recover(e -> Future.failedFuture(new io.emp.core.config.ConfigException("EMP_POOLS_POLICY refused: "
        + (e instanceof io.emp.core.store.BrokerException b ? b.field() + ": " : "") + e.getMessage())));
  }

  private Future<?> reap() {
    return store.reap(config.batch(), config.reapSilenceMs()).onSuccess(r -> {
      requeued.increment(r.requeued());
      poisoned.increment(r.poisoned());
      cancelled.increment(r.cancelled());
      timedOut.increment(r.timedOut());
      extended.increment(r.extended());
      promoted.increment(r.promoted());
      if (r.total() > 0) {
        LOG.info("reaped expired leases: {} requeued, {} poisoned, {} cancelled, {} timed out",
          r.requeued(), r.poisoned(), r.cancelled(), r.timedOut());
      }
      if (r.extended() > 0) {
        LOG.warn("{} expired lease(s) extended once: the reaper or every worker had not reached Redis for over {} ms "
          + "(a Redis outage?); live workers keep their jobs, the others' come back after one more lease", r.extended(),
          config.reapSilenceMs());
      }
    });
  }

  private Future<?> updateGauges() {
    return store.stats().onSuccess(gauges::update);
  }

  private void registerMeters(MeterRegistry registry) {
    gauges = new QueueGauges(registry);
    histograms = gauges::histograms;
    Metrics.addExposition("router-histograms", histograms);
    requeued = reaped(registry, "requeued");
    poisoned = reaped(registry, "poisoned");
    cancelled = reaped(registry, "cancelled");
    timedOut = reaped(registry, "timed_out");
    extended = reaped(registry, "extended");
    promoted = Counter.builder("emp_router_promoted_total").description("Delayed jobs promoted to the queue")
      .register(registry);
  }

  private static Counter reaped(MeterRegistry registry, String outcome) {
    return Counter.builder("emp_router_leases_expired_total")
      .description("Expired leases acted on by the reaper, by outcome")
      .tag("outcome", outcome)
      .register(registry);
  }
}
