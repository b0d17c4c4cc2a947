package io.emp.bench.sim;

import io.emp.api.ApiVerticle;
import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.events.EventTailer;
import io.emp.core.model.Job;
import io.emp.core.store.BrokerStore;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one scenario against a real Redis: the real router and api in this Vert.x instance, one
 * in-process Vert.x instance per simulated machine running the real worker role
 * ({@link SimMachine}), jobs submitted over HTTP at their planned times ({@link LoadGenerator}) and
 * followed over SSE ({@link ClientFollower}), the broker's event stream tailed into {@link RunData},
 * the broker's gauges sampled. After the scenario's duration it waits (up to {@code drain}) for every
 * accepted job to finish, reads the final state of any that did not, and returns the data.
 *
 * <p>Called from a plain thread (it blocks while the run goes on); never from an event loop.
 */
public final class FleetSimulator {
  private static final Logger LOG = LoggerFactory.getLogger(FleetSimulator.class);
  private static final long TICK_REAL_MS = 5;

  private final Vertx vertx;
  private final Redis admin;
  private final String redisHost;
  private final int redisPort;
  private final String namespace;
  private final Scenario scenario;
  private final FleetClock clock;
  private final FleetClock.Timings timings;
  private final RunData data;
  private final Executions executions = new Executions();
  private final Map<String, Future<SimMachine>> machines = new ConcurrentHashMap<>();
  private final Map<String, SimMachine> started = new ConcurrentHashMap<>();
  private final List<Future<Void>> departures = new ArrayList<>();
  private final Map<String, String> aliases = new ConcurrentHashMap<>();

  public FleetSimulator(Vertx vertx, Redis admin, String redisHost, int redisPort, String namespace, Scenario scenario) {
    this.vertx = vertx;
    this.admin = admin;
    this.redisHost = redisHost;
    this.redisPort = redisPort;
    this.namespace = namespace;
    this.scenario = scenario;
    this.clock = new FleetClock(scenario.timeScale());
    this.timings = FleetClock.Timings.of(scenario.broker(), scenario.timeScale());
    this.data = new RunData(scenario.timeScale());
  }

  public FleetClock.Timings timings() {
    return timings;
  }

  /** The run's settings for the router and the api (namespace settings scaled to the clock). */
  Map<String, String> controlPlaneEnv(String token) {
    Map<String, String> env = new HashMap<>();
    env.put("EMP_REDIS_URL", "redis://" + redisHost + ":" + redisPort);
    env.put("EMP_NAMESPACE", namespace);
    env.put("EMP_API_PORT", "0");
    env.put("EMP_API_HOST", "127.0.0.1");
    env.put("EMP_API_TOKEN", token);
    env.put("EMP_HEALTH_PORT", "-1");
    env.put("EMP_REDIS_POOL_SIZE", "16");
    env.put("EMP_REAP_INTERVAL_MS", String.valueOf(timings.reapIntervalMs()));
    env.put("EMP_PROMOTE_INTERVAL_MS", String.valueOf(Math.max(10, timings.reapIntervalMs() / 2)));
    env.put("EMP_RETRY_AVOID_MS", String.valueOf(timings.retryAvoidMs()));
    env.put("EMP_BACKOFF_BASE_MS", String.valueOf(timings.backoffBaseMs()));
    env.put("EMP_WORKER_STALE_MS", String.valueOf(timings.workerStaleMs()));
    env.put("EMP_WORKER_OFFLINE_MS", String.valueOf(Math.max(timings.workerStaleMs() * 2, 2_000)));
    env.put("EMP_DEFAULT_MAX_ATTEMPTS", String.valueOf(scenario.broker().maxAttempts()));
    env.put("EMP_EVENTS_MAXLEN", "5000000");
    // the load generator is one client (one token) following up to client.follow_streams jobs over SSE at once
    env.put("EMP_SSE_MAX_PER_TOKEN", String.valueOf(Math.max(100, scenario.client().followStreams() + 16)));
    // the simulated machines publish status like supervisors (every third of the worker-stale threshold); a machine is
    // stale after twice that threshold (at least 3 s real: a loaded run delays publishes)
    env.put("EMP_MACHINE_STALE_MS", String.valueOf(Math.max(3_000, timings.workerStaleMs() * 2)));
    env.put("EMP_MACHINE_OFFLINE_MS", String.valueOf(Math.max(6_000, timings.workerStaleMs() * 4)));
    double k = scenario.timeScale();
    Scenario.Routing routing = scenario.routing();
    env.put("EMP_AFFINITY_CAP_MS", String.valueOf(Math.round(routing.affinityCapMs() / k)));
    if (routing.poolPolicy() != null) {
      env.put("EMP_POOLS_POLICY", scaledPolicy(routing.poolPolicy(), k).encode());
    }
    Scenario.Placement p = routing.placement();
    if (p == null) {
      env.put("EMP_PLACEMENT", "off");
    } else {
      // the planner's demand buckets are Redis (real) hours: rates per simulated hour become k times as many per real hour
      env.put("EMP_PLACEMENT", "on");
      env.put("EMP_PLACEMENT_INTERVAL_MS", String.valueOf(Math.max(100, Math.round(p.intervalMs() / k))));
      env.put("EMP_PLACEMENT_JOBS_PER_COPY", String.valueOf(Math.min(1_000_000, p.jobsPerCopy() * k)));
      env.put("EMP_PLACEMENT_MIN_DEMAND", String.valueOf(Math.min(1_000_000, p.minDemand() * k)));
      env.put("EMP_PLACEMENT_MAX_COMMANDS", String.valueOf(p.maxCommands()));
      env.put("EMP_PLACEMENT_COOLDOWN_MS", String.valueOf(Math.round(p.cooldownMs() / k)));
      env.put("EMP_PLACEMENT_EVICT_ABOVE", String.valueOf(p.evictAbove()));
      env.put("EMP_PLACEMENT_HOURS", String.valueOf(p.hours()));
    }
    return env;
  }

  /** The pool policy with its simulated {@code below_ms}/{@code after_ms} turned into real milliseconds. */
  static JsonObject scaledPolicy(Map<String, Object> policy, double k) {
    JsonObject out = new JsonObject(new java.util.LinkedHashMap<>(policy)).copy();
    io.vertx.core.json.JsonArray classify = out.getJsonArray("classify");
    if (classify != null) {
      classify.forEach(o -> {
        JsonObject c = (JsonObject) o;
        if (c.containsKey("below_ms")) {
          c.put("below_ms", Math.max(1, Math.round(c.getLong("below_ms") / k)));
        }
      });
    }
    JsonObject fallback = out.getJsonObject("fallback");
    if (fallback != null) {
      fallback.forEach(e -> ((io.vertx.core.json.JsonArray) e.getValue()).forEach(o -> {
        JsonObject r = (JsonObject) o;
        r.put("after_ms", Math.round(r.getLong("after_ms", 0L) / k));
      }));
    }
    return out;
  }

  public RunData run() {
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    String token = HexFormat.of().formatHex(secret);
    EnvConfig env = EnvConfig.of(controlPlaneEnv(token));
    RouterVerticle router = new RouterVerticle(RouterConfig.from(env));
    ApiVerticle api = ApiVerticle.fromEnv(env);
    String routerId = await(vertx.deployVerticle(router));
    String apiId = await(vertx.deployVerticle(api));
    BrokerStore store = new BrokerStore(admin, new Keys(namespace));
    FleetContext fleet = new FleetContext(scenario, clock, timings, executions, admin, redisHost, redisPort, namespace);
    List<ArrivalPlan.Arrival> arrivals = ArrivalPlan.generate(scenario);
    List<ChurnPlan.Event> churn = ChurnPlan.generate(scenario);
    LOG.info("scenario {}: {} jobs planned over {}, {} machine events, time scale {}x (lease {} ms real)",
      scenario.name(), arrivals.size(), Units.formatDuration(scenario.durationMs()), churn.size(),
      scenario.timeScale(), timings.leaseMs());
    EventTailer tailer = new EventTailer(vertx, admin, store.keys(), "0-0", data::onEvent);
    await(tailer.start());
    ClientFollower follower = new ClientFollower(vertx, api.actualPort(), token, scenario.client().followStreams(), data);
    LoadGenerator generator = new LoadGenerator(vertx, api.actualPort(), token, scenario, clock, data, follower);
    int next = startInitialMachines(churn, fleet);
    clock.start();
    data.start(System.currentTimeMillis());
    Dispatcher dispatcher = new Dispatcher(arrivals, churn, next, generator, fleet);
    long ticker = vertx.setPeriodic(TICK_REAL_MS, t -> dispatcher.tick());
    long samplePeriod = Math.max(200, clock.real(scenario.durationMs()) / 400);
    long sampler = vertx.setPeriodic(samplePeriod, t -> sample(store));
    waitUntil(() -> dispatcher.done(), clock.real(scenario.durationMs()) + 600_000);
    long drainDeadline = System.currentTimeMillis() + clock.real(scenario.drainMs());
    LOG.info("arrivals over: {} submitted; draining (up to {} simulated)", data.jobs().size(),
      Units.formatDuration(scenario.drainMs()));
    waitUntil(() -> generator.inFlight() == 0 && allFinished() && follower.pending() == 0,
      Math.max(1_000, drainDeadline - System.currentTimeMillis()));
    sample(store);
    vertx.cancelTimer(ticker);
    vertx.cancelTimer(sampler);
    waitUntil(() -> follower.pending() == 0, 10_000);
    finalStates(store);
    attachExecutions();
    LOG.info("stopping {} machine(s)", started.size());
    stopMachines();
    generator.close();
    follower.close();
    await(tailer.stop());
    await(vertx.undeploy(apiId));
    await(vertx.undeploy(routerId));
    return data;
  }

  public Executions executions() {
    return executions;
  }

  private int startInitialMachines(List<ChurnPlan.Event> churn, FleetContext fleet) {
    int i = 0;
    List<Future<SimMachine>> starting = new ArrayList<>();
    while (i < churn.size() && churn.get(i).atMs() == 0 && churn.get(i).action() == ChurnPlan.Action.JOIN) {
      starting.add(join(churn.get(i), fleet));
      i++;
    }
    await(Future.all(starting));
    return i;
  }

  private Future<SimMachine> join(ChurnPlan.Event e, FleetContext fleet) {
    Scenario.MachineGroup g = scenario.group(e.group());
    SimMachine m = new SimMachine(e.machine(), g, fleet);
    data.machineEvent(new RunData.MachineEvent(e.atMs(), "join", e.machine(), e.group()),
      g.pool() == null ? "-" : g.pool());
    Future<SimMachine> f = m.start(vertx).map(v -> {
      started.put(m.name(), m);
      return m;
    });
    f.onFailure(err -> {
      LOG.warn("machine {} did not start: {}", m.name(), err.toString());
      data.machineEvent(new RunData.MachineEvent(clock.now(), "start_failed", e.machine(), e.group()),
        g.pool() == null ? "-" : g.pool());
    });
    machines.put(e.machine(), f);
    return f;
  }

  private void leave(ChurnPlan.Event planned) {
    ChurnPlan.Event e = planned.preferBusy() ? busyVictim(planned) : resolve(planned);
    Future<SimMachine> f = machines.remove(e.machine());
    if (f == null) {
      return;
    }
    String action = e.action() == ChurnPlan.Action.PREEMPT ? "preempt" : "drain";
    data.machineEvent(new RunData.MachineEvent(e.atMs(), action, e.machine(), e.group()),
      scenario.group(e.group()).pool() == null ? "-" : scenario.group(e.group()).pool());
    Future<Void> gone = f.compose(m -> (e.action() == ChurnPlan.Action.PREEMPT ? m.preempt() : m.drain())
      .onComplete(ar -> started.remove(m.name())));
    synchronized (departures) {
      departures.add(gone.recover(err -> Future.succeededFuture()));
    }
  }

  /** A later plan event for a machine that was swapped out by a busy-victim event applies to the machine it stood for. */
  private ChurnPlan.Event resolve(ChurnPlan.Event e) {
    String name = e.machine();
    while (aliases.containsKey(name)) {
      name = aliases.get(name);
    }
    return name.equals(e.machine()) ? e : new ChurnPlan.Event(e.atMs(), e.action(), name, e.group(), false);
  }

  /** The planned victim, or a machine of its group that is running a job (the two swap names in the plan). */
  private ChurnPlan.Event busyVictim(ChurnPlan.Event e) {
    ChurnPlan.Event planned = resolve(e);
    SimMachine current = started.get(planned.machine());
    if (current != null && current.busy() > 0) {
      return planned;
    }
    for (SimMachine m : started.values()) {
      if (m.alive() && m.busy() > 0 && m.group().name().equals(e.group()) && machines.containsKey(m.name())) {
        aliases.put(m.name(), planned.machine());
        return new ChurnPlan.Event(e.atMs(), e.action(), m.name(), e.group(), false);
      }
    }
    return planned;
  }

  /** Walks the plans on a short periodic timer: everything due at the current simulated time. */
  private final class Dispatcher {
    private final List<ArrivalPlan.Arrival> arrivals;
    private final List<ChurnPlan.Event> churn;
    private final LoadGenerator generator;
    private final FleetContext fleet;
    private int nextArrival;
    private int nextChurn;

    Dispatcher(List<ArrivalPlan.Arrival> arrivals, List<ChurnPlan.Event> churn, int nextChurn, LoadGenerator generator,
               FleetContext fleet) {
      this.arrivals = arrivals;
      this.churn = churn;
      this.nextChurn = nextChurn;
      this.generator = generator;
      this.fleet = fleet;
    }

    synchronized void tick() {
      long now = clock.now();
      while (nextChurn < churn.size() && churn.get(nextChurn).atMs() <= now) {
        ChurnPlan.Event e = churn.get(nextChurn++);
        if (e.action() == ChurnPlan.Action.JOIN) {
          join(e, fleet);
        } else {
          leave(e);
        }
      }
      while (nextArrival < arrivals.size() && arrivals.get(nextArrival).atMs() <= now) {
        generator.submit(arrivals.get(nextArrival++));
      }
    }

    synchronized boolean done() {
      return nextArrival >= arrivals.size() && clock.now() >= scenario.durationMs();
    }
  }

  private boolean allFinished() {
    for (RunData.JobTrace t : data.jobs()) {
      if (t.acceptedAt >= 0 && !t.finished()) {
        return false;
      }
    }
    return true;
  }

  private void sample(BrokerStore store) {
    store.stats().onSuccess(s -> {
      JsonObject st = s.getJsonObject("statuses", new JsonObject());
      int busy = 0;
      for (SimMachine m : started.values()) {
        if (m.alive() && m.busy() > 0) {
          busy++;
        }
      }
      int alive = (int) started.values().stream().filter(SimMachine::alive).count();
      data.sample(new RunData.Sample(clock.now(), st.getLong("queued", 0L), st.getLong("delayed", 0L),
        st.getLong("assigned", 0L) + st.getLong("running", 0L), alive, busy));
    });
  }

  /** The broker's final word on every job that did not finish in time (lost jobs are counted from this). */
  private void finalStates(BrokerStore store) {
    for (RunData.JobTrace t : data.jobs()) {
      if (t.acceptedAt < 0 || t.finished()) {
        continue;
      }
      try {
        Job j = store.getJob(t.id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        synchronized (data) {
          t.finalStatus = j.status().wire();
        }
      } catch (Exception e) {
        synchronized (data) {
          t.finalStatus = "missing";
        }
      }
    }
  }

  private void attachExecutions() {
    executions.counters().forEach((k, v) -> data.count("machine_" + k, v));
    data.count("machine_downloads", executions.downloads());
    for (RunData.JobTrace t : data.jobs()) {
      List<Executions.Execution> all = executions.of(t.id);
      synchronized (data) {
        t.executions = all.size();
        if (t.completedWorker != null) {
          Executions.Execution e = executions.on(t.id, t.completedWorker);
          if (e != null && e.needsModel()) {
            t.warm = e.warm();
            t.downloadWaitMs = e.downloadWaitMs();
          }
        }
      }
    }
  }

  private void stopMachines() {
    List<Future<Void>> stops = new ArrayList<>();
    for (Future<SimMachine> f : machines.values()) {
      stops.add(f.compose(SimMachine::drain).recover(e -> Future.succeededFuture()));
    }
    synchronized (departures) {
      stops.addAll(departures);
    }
    await(Future.join(stops));
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
    }
  }
}
