package io.emp.bench.sim;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.model.WorkerCapabilities;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.MachineRegistry;
import io.emp.supervisor.CommandConsumer;
import io.emp.worker.WorkerRole;
import io.emp.worker.connector.ConnectorRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One simulated GPU machine: its own Vert.x instance running the real worker role
 * ({@link WorkerRole}, one worker per GPU) with the {@link SimConnector}, and a {@link ModelDisk}.
 *
 * <p>Every machine talks to Redis as its own ACL user. That is how a preemption gets kill -9
 * semantics in-process: {@link #preempt()} deletes the user, which makes Redis drop every
 * connection of the machine at once and refuse new ones, so nothing the machine does afterwards
 * (release, deregister, complete) reaches the broker — its leases expire and the reaper requeues its
 * jobs, exactly as when a spot instance vanishes. Then its Vert.x instance is closed. {@link #drain()}
 * is the graceful path: closing Vert.x runs the worker's own shutdown (quiet, drain for the grace,
 * release, deregister).
 *
 * <p>When a download finishes or a model is evicted, the machine republishes its workers' capability
 * documents ({@code emp_update_worker}, through its own connection, as a model manager on the
 * machine would) and nudges them with a wake token, because the update clears their idle marks.
 *
 * <p>Like a real supervisor with a model manager, the machine also publishes a status document
 * ({@code emp_machine_status}: phase, pool) and its model inventory ({@code emp_machine_models}: the
 * models on disk with size and in-use count, the disk budget, the downloads under way) after every
 * change and periodically — so model affinity in the claim and the router's placement planner see it —
 * and reads its command stream with the supervisor's own {@link CommandConsumer}, executing
 * {@code prefetch_model} and {@code evict_model} against the {@link ModelDisk} (a prefetched model is
 * ready after size / download speed of simulated time, queued behind the downloads under way) and
 * reporting each outcome with {@code emp_machine_command_done}.
 */
final class SimMachine {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SimMachine.class);
  private final String name;
  private final Scenario.MachineGroup group;
  private final FleetContext fleet;
  private final ModelDisk disk;
  private final String user;
  private final String password;
  private final Set<SimConnector.Run> running = ConcurrentHashMap.newKeySet();
  private volatile boolean alive = true;
  private Vertx vertx;
  private Redis redis;
  private BrokerStore store;
  private List<String> workerIds = List.of();
  private boolean publishing;
  private boolean publishAgain;
  private MachineRegistry registry;
  private CommandConsumer commands;
  private long statusTimer = -1;
  private Future<Void> inventoryTail = Future.succeededFuture();
  private boolean inventoryQueued;

  SimMachine(String name, Scenario.MachineGroup group, FleetContext fleet) {
    this.name = name;
    this.group = group;
    this.fleet = fleet;
    Map<String, Long> sizes = new HashMap<>();
    fleet.scenario().models().forEach(m -> sizes.put(m.name(), m.sizeBytes()));
    this.disk = new ModelDisk(group.diskBytes(), group.downloadBytesPerSec(), sizes, group.preinstalled());
    this.user = "sim-" + fleet.namespace() + "-" + name;
    byte[] secret = new byte[12];
    new SecureRandom().nextBytes(secret);
    this.password = HexFormat.of().formatHex(secret);
  }

  String name() {
    return name;
  }

  Scenario.MachineGroup group() {
    return group;
  }

  FleetClock clock() {
    return fleet.clock();
  }

  Executions executions() {
    return fleet.executions();
  }

  long seed() {
    return fleet.scenario().seed() * 7_919L + name.hashCode();
  }

  boolean alive() {
    return alive;
  }

  Scenario.JobClass jobClass(String name) {
    return fleet.scenario().jobs().stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * Creates the machine's Redis user, starts its Vert.x (on a worker thread of {@code host}) and its
   * worker role; completes when every worker is registered.
   */
  Future<Void> start(Vertx host) {
    return fleet.admin().send(Request.cmd(Command.ACL).arg("SETUSER").arg(user).arg("on").arg(">" + password)
        .arg("~*").arg("&*").arg("+@all"))
      // creating a Vert.x instance starts threads: not on the simulator's event loop
      .compose(r -> host.executeBlocking(() -> Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)
        .setWorkerPoolSize(2).setInternalBlockingPoolSize(2).setBlockedThreadCheckInterval(60)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS))))
      .compose(created -> {
        vertx = created;
        String url = "redis://" + user + ":" + password + "@" + fleet.redisHost() + ":" + fleet.redisPort();
        EnvConfig env = EnvConfig.of(workerEnv(url));
        WorkerRole role = new WorkerRole(env, new ConnectorRegistry()
          .register("simfleet", e -> this, (machine, connectorEnv) -> new SimConnector(machine, connectorEnv)));
        workerIds = role.workerIds();
        redis = RedisClients.create(vertx, url, 3);
        store = new BrokerStore(redis, new Keys(fleet.namespace()));
        registry = new MachineRegistry(redis, store.keys());
        return vertx.deployVerticle(role);
      })
      .compose(id -> registry.publishStatus(name, statusDocument(), "ready", true))
      .compose(lastCommand -> {
        statusTimer = vertx.setPeriodic(fleet.statusIntervalMs(), t -> {
          if (alive) {
            registry.publishStatus(name, statusDocument(), "ready", false);
            publishModels();
          }
        });
        commands = new CommandConsumer(vertx, redis, store.keys(), name, lastCommand, 86_400_000L, this::command);
        vertx.runOnContext(v -> commands.start());
        return publishModels();
      })
      .mapEmpty();
  }

  private JsonObject statusDocument() {
    JsonObject doc = new JsonObject().put("machine_id", name).put("simulated", true).put("group", group.name())
      .put("gpus", group.gpus());
    if (group.pool() != null && group.advertisePool()) {
      doc.put("pool", group.pool());
    }
    return doc;
  }

  /** The inventory document a supervisor's model manager reports (docs/pools-and-models.md#inventory-redis). */
  JsonObject inventory() {
    long now = fleet.clock().now();
    long epochNow = System.currentTimeMillis();
    JsonArray models = new JsonArray();
    JsonArray downloads = new JsonArray();
    long used = 0;
    long reserved = 0;
    for (ModelDisk.Item m : disk.items(now)) {
      if (m.ready()) {
        used += m.bytes();
        models.add(new JsonObject().put("name", m.name()).put("bytes", m.bytes()).put("loaded", false)
          .put("in_use", m.inUse()).put("last_used", epochNow - fleet.clock().real(Math.max(0, now - m.lastUsedMs()))));
      } else {
        reserved += m.bytes();
        double done = m.readyAtMs() <= m.startedAtMs() ? 0
          : Math.max(0, Math.min(1, (now - m.startedAtMs()) / (double) (m.readyAtMs() - m.startedAtMs())));
        downloads.add(new JsonObject().put("name", m.name()).put("bytes_done", Math.round(done * m.bytes()))
          .put("bytes_total", m.bytes()));
      }
    }
    return new JsonObject().put("models", models)
      .put("disk", new JsonObject().put("budget_bytes", disk.budgetBytes()).put("used_bytes", used)
        .put("reserved_bytes", reserved))
      .put("downloads", downloads);
  }

  /** Reports the inventory (one report at a time; changes during one coalesce into the next). */
  private synchronized Future<Void> publishModels() {
    if (!alive || registry == null) {
      return Future.succeededFuture();
    }
    if (inventoryQueued) {
      return inventoryTail;
    }
    inventoryQueued = true;
    inventoryTail = inventoryTail.transform(ar -> {
      synchronized (this) {
        inventoryQueued = false;
      }
      if (!alive) {
        return Future.succeededFuture();
      }
      return registry.publishModels(name, inventory()).<Void>mapEmpty().recover(e -> Future.succeededFuture());
    });
    return inventoryTail;
  }

  /**
   * One command of the machine's stream. A prefetch is accepted once admitted (the stream moves on)
   * and reports {@code downloaded} when its simulated download ends, as the model manager does.
   */
  private Future<Void> command(String id, CommandConsumer.Incoming in) {
    long now = fleet.clock().now();
    String model = in.args().getString("name");
    Executions ex = fleet.executions();
    ex.count("command:" + in.command());
    if (in.expired()) {
      return done(id, in, false, new JsonObject().put("error", "expired"));
    }
    if (model == null && (in.command().equals("prefetch_model") || in.command().equals("evict_model"))) {
      return done(id, in, false, new JsonObject().put("error", "name is required"));
    }
    switch (in.command()) {
      case "prefetch_model" -> {
        ModelDisk.Prefetch p = disk.prefetch(model, now);
        ex.count("prefetch:" + p.outcome());
        JsonObject result = new JsonObject().put("model", model).put("outcome", p.outcome());
        if (p.outcome().equals("refused")) {
          return done(id, in, false, result.put("error", p.reason()));
        }
        if (p.outcome().equals("present")) {
          return done(id, in, true, result);
        }
        if (p.outcome().equals("downloading")) {
          fleet.executions().downloadStarted();
          if (!p.evicted().isEmpty()) {
            ex.add("prefetch_evictions", p.evicted().size());
            publishInventory();
          }
        }
        publishModels();
        long readyAt = p.readyAtMs();
        vertx.setTimer(Math.max(1, fleet.clock().real(readyAt - now)), t -> {
          publishInventory();
          publishModels();
          done(id, in, true, new JsonObject().put("model", model).put("outcome", "downloaded")
            .put("elapsed_ms_simulated", readyAt - now).put("evicted", String.join(",", p.evicted())));
        });
        return Future.succeededFuture();
      }
      case "evict_model" -> {
        String outcome = disk.evict(model, now);
        ex.count("evict:" + outcome);
        if (outcome.equals("evicted")) {
          publishInventory();
          publishModels();
        }
        return done(id, in, !outcome.equals("refused"), new JsonObject().put("model", model).put("outcome", outcome));
      }
      default -> {
        return done(id, in, false, new JsonObject().put("error", "command " + in.command()
          + " is not supported by a simulated machine"));
      }
    }
  }

  private Future<Void> done(String id, CommandConsumer.Incoming in, boolean ok, JsonObject result) {
    if (!alive) {
      return Future.succeededFuture();
    }
    return registry.commandDone(name, id, in.command(), ok, result).recover(e -> Future.succeededFuture());
  }

  private Map<String, String> workerEnv(String url) {
    FleetClock.Timings t = fleet.timings();
    Map<String, String> env = new HashMap<>();
    env.put("EMP_REDIS_URL", url);
    env.put("EMP_NAMESPACE", fleet.namespace());
    env.put("EMP_MACHINE_ID", name);
    env.put("EMP_WORKERS", String.valueOf(group.gpus()));
    env.put("EMP_WORKER_SLOTS", String.valueOf(group.slots()));
    env.put("EMP_CONNECTORS", "simfleet");
    env.put("EMP_REDIS_POOL_SIZE", String.valueOf(2 + group.gpus()));
    env.put("EMP_HEALTH_PORT", "-1");
    env.put("EMP_HEARTBEAT_MS", String.valueOf(t.heartbeatMs()));
    env.put("EMP_LEASE_MS", String.valueOf(t.leaseMs()));
    env.put("EMP_CLAIM_POLL_MS", String.valueOf(t.claimPollMs()));
    env.put("EMP_SHUTDOWN_GRACE_MS", String.valueOf(t.graceMs()));
    env.put("EMP_SHUTDOWN_TIMEOUT_MS", String.valueOf(t.graceMs() + 15_000));
    // health probes would re-read capabilities on their own schedule; the machine publishes its inventory itself
    env.put("EMP_CONNECTOR_HEALTH_MS", "0");
    if (group.pool() != null && group.advertisePool()) {
      env.put("EMP_POOL", group.pool());
    }
    return env;
  }

  /** Graceful leave: the worker role's own shutdown (quiet, drain within the grace, release, deregister). */
  Future<Void> drain() {
    LOG.info("machine {}: draining with {} job(s) running", name, running.size());
    if (alive && registry != null) {
      registry.publishStatus(name, statusDocument(), "draining", true); // as the supervisor does; not awaited
    }
    alive = false;
    stopCommands();
    // closed from the caller's context: a future bound to the machine's own (closing) context would never complete
    return vertx.close()
      // the supervisor's last publish (phase stopped), through the simulator's connection: the machine's closed with it
      .eventually(() -> new MachineRegistry(fleet.admin(), new Keys(fleet.namespace()))
        .publishStatus(name, statusDocument(), "stopped", true).recover(e -> Future.succeededFuture()))
      .eventually(this::dropUser);
  }

  private Future<Void> stopCommands() {
    if (vertx != null && statusTimer >= 0) {
      vertx.cancelTimer(statusTimer);
    }
    return commands == null ? Future.succeededFuture() : commands.stop();
  }

  /**
   * kill -9 semantics: Redis drops the machine's connections and refuses new ones before anything
   * else happens, so no release, deregister or late completion reaches the broker.
   */
  Future<Void> preempt() {
    alive = false;
    LOG.info("machine {}: preempted (kill -9 semantics) with {} job(s) running", name, running.size());
    return dropUser().compose(v -> {
      stopCommands();
      List.copyOf(running).forEach(r -> r.finish(io.emp.worker.connector.JobOutcome.failure("machine preempted", true)));
      return vertx.close().recover(e -> Future.succeededFuture());
    });
  }

  private Future<Void> dropUser() {
    return fleet.admin().send(Request.cmd(Command.ACL).arg("DELUSER").arg(user))
      .<Void>mapEmpty()
      .recover(e -> Future.succeededFuture());
  }

  /** The connector's capability fragment: GPU and the models ready on disk. */
  JsonObject capabilityFragment() {
    return new JsonObject()
      .put("hardware", new JsonObject().put("gpu_model", group.gpuModel()).put("gpu_memory_gb", group.gpuMemoryGb()))
      .put("models", new JsonObject().put(group.service(), new JsonArray(disk.ready(fleet.clock().now()))))
      // the machine fetches what it lacks (a required model is an affinity, not a hard rule); the rate in
      // real bytes per second, so the claim's affinity_wait_ms (real) is the simulated download time, compressed
      .put("model_downloads", true)
      .put("download_bytes_per_s", Math.round(group.downloadBytesPerSec() * fleet.clock().scale()));
  }

  ModelDisk.Acquired acquire(String model, long now) {
    ModelDisk.Acquired a = disk.acquire(model, now);
    if (a.downloaded()) {
      fleet.executions().downloadStarted();
      if (!a.evicted().isEmpty()) {
        publishInventory();
      }
      publishModels();
      vertx.setTimer(Math.max(1, fleet.clock().real(a.readyAtMs() - now)), t -> {
        publishInventory();
        publishModels();
      });
    }
    return a;
  }

  void release(String model) {
    disk.release(model, fleet.clock().now());
  }

  ModelDisk disk() {
    return disk;
  }

  void track(SimConnector.Run run) {
    running.add(run);
  }

  void untrack(SimConnector.Run run) {
    running.remove(run);
  }

  int busy() {
    return running.size();
  }

  /** Republishes every worker's capability document, one publication at a time (coalesced). */
  private synchronized void publishInventory() {
    if (!alive) {
      return;
    }
    if (publishing) {
      publishAgain = true;
      return;
    }
    publishing = true;
    JsonObject fragment = capabilityFragment();
    List<Future<?>> updates = new ArrayList<>();
    for (String wid : workerIds) {
      JsonObject doc = fragment.copy().put("services", new JsonArray().add(group.service())).put("machine_id", name);
      if (group.pool() != null && group.advertisePool()) {
        doc.put("pool", group.pool());
      }
      updates.add(store.updateWorker(wid, new WorkerCapabilities(doc), null)
        .compose(v -> redis.send(Request.cmd(Command.RPUSH).arg(store.keys().workerWake(wid)).arg("1"))));
    }
    Future.join(updates).onComplete(ar -> {
      synchronized (this) {
        publishing = false;
        if (publishAgain) {
          publishAgain = false;
          vertx.runOnContext(v -> publishInventory());
        }
      }
    });
  }

  @Override
  public String toString() {
    return name + " (" + group.name() + ", busy " + busy() + ", models " + disk.ready(fleet.clock().now()).stream()
      .collect(Collectors.joining(",")) + ")";
  }
}
