package io.emp.supervisor;

import io.emp.core.LogSafe;
import io.emp.core.config.EnvConfig;
import io.emp.core.metrics.Metrics;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.core.store.MachineRegistry;
import io.emp.supervisor.models.ModelManager;
import io.emp.supervisor.nodes.Manifest;
import io.emp.supervisor.process.GpuDetector;
import io.emp.supervisor.process.ServiceState;
import io.emp.supervisor.process.ServiceStatus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine supervisor: our PM2. Owns the machine's services through {@link MachineRunner}, makes
 * the machine visible and controllable from the control plane through Redis alone (the box is behind
 * NAT): a full status document every 15 s and within a second of any change ({@link StatusPublisher}),
 * lifecycle events, and the machine's command stream ({@link CommandConsumer}).
 *
 * <p>{@link #start()} completes once the local endpoints listen and the spec is loaded; the bootstrap
 * (custom nodes, services in dependency order) goes on in the background and is visible as the phase
 * ({@code starting → ready}) — a GPU box takes minutes to warm up and must be observable meanwhile.
 * Redis may be unreachable at boot: services still start, and the supervisor connects when it can.
 * {@link #stop()} (SIGTERM: the cloud's preemption signal) drains: workers stop claiming and finish
 * or release their jobs within {@code EMP_DRAIN_GRACE_MS}, then every service stops; the phase goes
 * {@code draining → stopped}.
 */
public final class SupervisorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorVerticle.class);
  private static final String VERSION = SupervisorVerticle.class.getPackage().getImplementationVersion() == null
    ? "dev" : SupervisorVerticle.class.getPackage().getImplementationVersion();

  private final SupervisorConfig config;
  private final EnvConfig env;
  private final long startedAt = System.currentTimeMillis();
  private Redis redis;
  private MachineRegistry registry;
  private BrokerStore store;
  private MachineRunner runner;
  private StatusPublisher publisher;
  private CommandConsumer commands;
  private SupervisorHttp http;
  private ModelManager models;
  private volatile boolean redisReady;
  private volatile int healthPort = -1;
  private volatile JsonArray gpus = new JsonArray();

  public SupervisorVerticle(EnvConfig env) {
    this.env = env;
    this.config = SupervisorConfig.from(env);
  }

  public int healthPort() {
    return healthPort;
  }

  public String phase() {
    return runner == null ? "starting" : runner.phase();
  }

  @Override
  public Future<?> start() {
    redis = RedisClients.create(vertx, config.redis(), 4);
    registry = new MachineRegistry(redis, config.redis().keys());
    store = new BrokerStore(redis, config.redis().keys());
    models = config.models().enabled() ? new ModelManager(vertx, config.models(), registry, store, config.machineId(),
      env::raw, this::changed) : null;
    runner = new MachineRunner(vertx, config, env, this::phaseChanged, this::step, this::serviceChanged,
      config.models().downloads() ? config.models()::workerCapabilities : null);
    http = new SupervisorHttp(vertx, this::health, this::readiness, this::statusDocument);
    publisher = new StatusPublisher(vertx, registry, config.machineId(), config.statusIntervalMs(),
      config.debounceMs(), this::statusDocument, runner::phase);
    return http.start(config.healthHost(), config.healthPort())
      .compose(port -> {
        healthPort = port;
        return runner.load();
      })
      .compose(v -> models == null ? Future.succeededFuture() : models.start(config.statusIntervalMs()))
      .onSuccess(v -> {
        gpus = gpuJson(runner.plan().gpus());
        connectRedis(LuaLibrary.fromClasspath(), 200);
        runner.bootstrap();
        LOG.info("supervisor of machine {} started: {} service instance(s) on {} GPU(s)", config.machineId(),
          runner.plan().instances().size(), runner.plan().gpuCount());
      })
      .recover(e -> http.stop()
        .eventually(() -> models == null ? Future.succeededFuture() : models.stop())
        .eventually(() -> redis.close())
        .transform(x -> Future.failedFuture(e)));
  }

  @Override
  public Future<?> stop() {
    LOG.info("supervisor of machine {}: stopping (drain, then stop every service)", config.machineId());
    return runner.drainAndStop()
      .eventually(() -> publisher.publish(true))
      .eventually(() -> {
        publisher.stop();
        return commands == null ? Future.succeededFuture() : commands.stop();
      })
      .eventually(() -> runner.close())
      .eventually(() -> models == null ? Future.succeededFuture() : models.stop())
      .eventually(() -> http.stop())
      .eventually(() -> redis.close());
  }

  /** Loads the function library and starts publishing and reading commands; retries while Redis is away. */
  private void connectRedis(LuaLibrary library, long backoffMs) {
    FunctionLoader.ensureLoaded(redis, library)
      .compose(v -> publisher.start())
      .onSuccess(v -> {
        redisReady = true;
        commands = new CommandConsumer(vertx, redis, config.redis().keys(), config.machineId(),
          publisher.lastCommandId(), config.commandMaxAgeMs(), this::runCommand);
        commands.start();
        if (models != null) {
          models.refresh();
        }
      })
      .onFailure(e -> {
        LOG.warn("machine {}: Redis not ready ({}); retrying in {} ms", config.machineId(), LogSafe.of(e.getMessage()), backoffMs);
        vertx.setTimer(backoffMs, t -> connectRedis(library, Math.min(10_000, backoffMs * 2)));
      });
  }

  /**
   * Runs a command and reports its outcome. The stream moves on once the command is accepted: for
   * every command but a {@code prefetch_model} that downloads, after its outcome is reported; such a
   * prefetch reports when its download ends.
   */
  private Future<Void> runCommand(String id, CommandConsumer.Incoming in) {
    SupervisorCommands.Running running;
    if (in.expired()) {
      running = SupervisorCommands.Running.of(Future.succeededFuture(SupervisorCommands.Outcome.failed(
        "expired: queued more than " + config.commandMaxAgeMs() + " ms ago while the supervisor was not running")));
    } else {
      LOG.info("machine {}: command {} {} {}", config.machineId(), LogSafe.of(id), LogSafe.of(in.command()),
        LogSafe.of(in.args().encode()));
      running = new SupervisorCommands(runner, models, this::changed).start(in.command(), in.args());
    }
    Future<Void> reported = running.outcome()
      .recover(e -> Future.succeededFuture(SupervisorCommands.Outcome.failed(String.valueOf(e.getMessage()))))
      .compose(o -> registry.commandDone(config.machineId(), id, in.command(), o.ok(), o.result()))
      .onFailure(e -> LOG.warn("machine {}: could not report command {}: {}", config.machineId(), LogSafe.of(id),
        LogSafe.of(e)));
    return running.accepted().compose(v -> running.outcome().isComplete() ? reported : Future.succeededFuture());
  }

  private void serviceChanged(ServiceStatus s) {
    changed();
  }

  private void phaseChanged(String phase) {
    if (publisher != null && redisReady) {
      publisher.phaseChanged(phase);
    }
  }

  private void changed() {
    if (publisher != null && redisReady) {
      publisher.changed();
    }
  }

  private void step(String name, JsonObject detail) {
    if (redisReady) {
      registry.event(config.machineId(), "machine.startup_step", detail.copy().put("step", name))
        .onFailure(e -> LOG.debug("startup step event lost: {}", e.toString()));
    }
  }

  private JsonObject health() {
    return new JsonObject().put("status", "up").put("machine_id", config.machineId()).put("phase", phase())
      .put("redis", redisReady).put("supervisor_version", VERSION);
  }

  private Future<JsonObject> readiness() {
    List<String> reasons = new ArrayList<>();
    if (!"ready".equals(phase())) {
      reasons.add("phase " + phase());
    }
    if (!redisReady) {
      reasons.add("Redis not reachable or function library not loaded");
    }
    if (runner.supervisor() != null) {
      runner.supervisor().status().stream().filter(s -> s.state() != ServiceState.READY)
        .forEach(s -> reasons.add(s.name() + " " + s.state().wire() + (s.lastError() == null ? "" : " (" + s.lastError() + ")")));
    }
    return Future.succeededFuture(new JsonObject().put("ready", reasons.isEmpty())
      .put("reasons", new JsonArray(reasons)));
  }

  /** The full status document (docs/supervisor.md#status-document). */
  private Future<JsonObject> statusDocument() {
    Future<JsonArray> workers = redisReady
      ? store.workers(config.machineId()).recover(e -> Future.succeededFuture(new JsonArray()))
      : Future.succeededFuture(new JsonArray());
    Future<JsonObject> host = vertx.executeBlocking(() -> HostInfo.read(
      List.of(config.process().runDir(), Path.of("/")), gpus), false);
    return Future.all(workers, host).map(all -> {
      JsonArray services = new JsonArray();
      if (runner.supervisor() != null) {
        runner.supervisor().status().forEach(s -> services.add(s.toJson()));
      }
      JsonObject doc = new JsonObject()
        .put("machine_id", config.machineId())
        .put("pool", config.pool())
        .put("phase", phase())
        .put("supervisor_version", VERSION)
        .put("started_at", startedAt)
        .put("uptime_ms", System.currentTimeMillis() - startedAt)
        .put("gpu_count", runner.plan() == null ? 0 : runner.plan().gpuCount())
        .put("host", all.<JsonObject>resultAt(1))
        .put("services", services)
        .put("workers", summary(all.resultAt(0)))
        .put("custom_nodes", customNodes())
        .put("models", models == null ? new JsonArray() : models.statusModels());
      if (models != null) {
        doc.put("model_manager", models.statusSummary());
      }
      if (healthPort > 0) {
        doc.put("health_url", "http://" + config.healthHost() + ":" + healthPort);
      }
      return doc;
    });
  }

  private static JsonArray summary(JsonArray workers) {
    JsonArray out = new JsonArray();
    for (Object o : workers) {
      JsonObject w = (JsonObject) o;
      out.add(new JsonObject().put("id", w.getString("id")).put("status", w.getString("status"))
        .put("jobs", w.getValue("jobs") instanceof JsonArray a ? a : new JsonArray())
        .put("services", w.getValue("services") instanceof JsonArray a ? a : new JsonArray())
        .put("connectors", w.getValue("connectors") instanceof JsonObject c ? c : new JsonObject()));
    }
    return out;
  }

  private JsonArray customNodes() {
    JsonArray out = new JsonArray();
    String dir = env.raw("EMP_COMFYUI_DIR");
    if (config.nodesConfig() != null && dir != null) {
      try {
        Manifest.load(Path.of(dir, "custom_nodes")).entries()
          .forEach(e -> out.add(new JsonObject().put("name", e.name()).put("commit", e.commit())));
      } catch (RuntimeException ignored) {
        // no manifest yet
      }
    }
    return out;
  }

  private static JsonArray gpuJson(List<GpuDetector.GpuInfo> gpus) {
    JsonArray out = new JsonArray();
    for (GpuDetector.GpuInfo g : gpus) {
      out.add(new JsonObject().put("index", g.index()).put("name", g.name())
        .put("memory_total_mb", g.memoryTotalMb()).put("utilization_pct", g.utilizationPct()));
    }
    return out;
  }
}
