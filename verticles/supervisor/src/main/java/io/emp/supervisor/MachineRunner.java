package io.emp.supervisor;

import io.emp.core.LogSafe;
import io.emp.core.config.EnvConfig;
import io.emp.supervisor.nodes.InstallOptions;
import io.emp.supervisor.nodes.InstallResult;
import io.emp.supervisor.nodes.NodeInstaller;
import io.emp.supervisor.nodes.NodesConfig;
import io.emp.supervisor.process.InstanceSpec;
import io.emp.supervisor.process.LogFiles;
import io.emp.supervisor.process.MachinePlan;
import io.emp.supervisor.process.ProcessSupervisor;
import io.emp.supervisor.process.ServiceStatus;
import io.emp.worker.WorkerRole;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the machine up and down as a sequence of gated steps, never sleeps: install custom nodes
 * (idempotent), load the machine spec (services, per-GPU instances), start every service after its
 * dependencies are ready, run the in-process workers when configured; and the reverse — drain the
 * workers first (they stop claiming, finish or release their jobs), then stop the rest.
 *
 * <p>The phase ({@code starting → ready → draining → stopped}) and every step are reported through
 * the callbacks (the verticle publishes them to Redis). All methods run on the supervisor's context.
 */
final class MachineRunner {
  private static final Logger LOG = LoggerFactory.getLogger(MachineRunner.class);
  private static final String CAPABILITIES = "EMP_WORKER_CAPABILITIES";

  private final Vertx vertx;
  private final SupervisorConfig config;
  private final EnvConfig env;
  private final Consumer<String> onPhase;
  private final BiConsumer<String, JsonObject> onStep;
  private final Consumer<ServiceStatus> onService;
  private final UnaryOperator<String> workerCapabilities;
  private volatile String phase = "starting";
  private MachinePlan plan;
  private LogFiles logs;
  private ProcessSupervisor supervisor;
  private String inProcessWorkers;
  private Future<Void> bootstrap = Future.succeededFuture();

  /**
   * {@code workerCapabilities} (null = leave them alone) maps a worker's {@code EMP_WORKER_CAPABILITIES}
   * (null when unset) to the value it runs with: the model manager adds {@code model_downloads}.
   */
  MachineRunner(Vertx vertx, SupervisorConfig config, EnvConfig env, Consumer<String> onPhase,
                BiConsumer<String, JsonObject> onStep, Consumer<ServiceStatus> onService,
                UnaryOperator<String> workerCapabilities) {
    this.vertx = vertx;
    this.config = config;
    this.env = env;
    this.onPhase = onPhase;
    this.onStep = onStep;
    this.onService = onService;
    this.workerCapabilities = workerCapabilities;
  }

  String phase() {
    return phase;
  }

  MachinePlan plan() {
    return plan;
  }

  ProcessSupervisor supervisor() {
    return supervisor;
  }

  /** Loads the machine spec; a bad spec fails the supervisor's start with the reason. */
  Future<Void> load() {
    return MachinePlan.load(vertx, config.process(), env).map(p -> {
      plan = withWorkerCapabilities(p);
      logs = LogFiles.from(config.process());
      supervisor = new ProcessSupervisor(vertx, plan, logs);
      supervisor.onChange(onService::accept);
      io.emp.supervisor.process.ProcessMetrics.bind(supervisor, io.emp.core.metrics.Metrics.registry());
      return null;
    });
  }

  /** The bootstrap: custom nodes, services in dependency order, in-process workers, then ready. */
  Future<Void> bootstrap() {
    setPhase("starting");
    bootstrap = installNodes()
      .compose(v -> step("services", new JsonObject().put("instances", plan.instances().size())
        .put("gpus", plan.gpuCount()), supervisor.startAll()))
      .compose(v -> startInProcessWorkers())
      .onSuccess(v -> setPhase("ready"))
      .onFailure(e -> {
        LOG.error("machine {}: bootstrap incomplete: {}", config.machineId(), LogSafe.of(e.getMessage()));
        onStep.accept("bootstrap_failed", new JsonObject().put("error", String.valueOf(e.getMessage())));
      });
    return bootstrap;
  }

  /**
   * Stops claiming and lets running jobs finish: the workers (spec services named in
   * {@code EMP_WORKER_SERVICES}, and in-process ones) get SIGTERM and drain within their grace,
   * releasing what is left; then every other service stops. Ends in phase {@code stopped}.
   */
  Future<Void> drainAndStop() {
    setPhase("draining");
    return bootstrap.transform(ar -> Future.<Void>succeededFuture())
      .compose(v -> stopWorkers())
      .compose(v -> supervisor == null ? Future.<Void>succeededFuture() : supervisor.stopAll())
      .onComplete(ar -> setPhase("stopped"));
  }

  /** The whole machine again, in the same process: drain, stop everything, bootstrap. */
  Future<Void> restartMachine() {
    return drainAndStop().compose(v -> bootstrap());
  }

  Future<Void> close() {
    Future<Void> stopped = supervisor == null ? Future.succeededFuture() : supervisor.close();
    return stopped;
  }

  /** The instances of a spec service or an instance name; empty when unknown. */
  List<String> instancesOf(String name) {
    List<String> out = new ArrayList<>();
    if (plan != null) {
      for (InstanceSpec i : plan.instances()) {
        if (i.name().equals(name) || i.service().equals(name)) {
          out.add(i.name());
        }
      }
    }
    return out;
  }

  private Future<Void> stopWorkers() {
    List<Future<Void>> stops = new ArrayList<>();
    if (inProcessWorkers != null) {
      String id = inProcessWorkers;
      inProcessWorkers = null;
      // already gone when Vert.x undeployed the supervisor (children first)
      stops.add(vertx.undeploy(id).recover(e -> Future.succeededFuture()));
    }
    if (supervisor != null) {
      for (String service : config.workerServices()) {
        if (!instancesOf(service).isEmpty()) {
          stops.add(supervisor.stop(service));
        }
      }
    }
    return step("drain_workers", new JsonObject().put("grace_ms", config.drainGraceMs()),
      Future.join(stops).mapEmpty());
  }

  /** The worker services' instances with their capabilities as {@link #workerCapabilities} wants them. */
  private MachinePlan withWorkerCapabilities(MachinePlan p) {
    if (workerCapabilities == null) {
      return p;
    }
    List<InstanceSpec> out = new ArrayList<>();
    for (InstanceSpec i : p.instances()) {
      if (!config.workerServices().contains(i.service())) {
        out.add(i);
        continue;
      }
      Map<String, String> e = new HashMap<>(i.env());
      e.put(CAPABILITIES, workerCapabilities.apply(e.getOrDefault(CAPABILITIES, env.raw(CAPABILITIES))));
      out.add(new InstanceSpec(i.name(), i.service(), i.gpuIndex(), i.ordinal(), i.port(), i.instanceDir(), i.command(),
        i.workingDir(), e, i.readiness(), i.restart(), i.stopGraceMs(), i.dependsOn()));
    }
    return new MachinePlan(p.spec(), p.gpuCount(), p.gpus(), out);
  }

  private Future<Void> installNodes() {
    if (config.nodesConfig() == null || config.nodesMode().equals("off")) {
      return Future.succeededFuture();
    }
    Future<Void> install = vertx.executeBlocking(() -> {
      InstallOptions options = InstallOptions.fromEnv(env.toMap());
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
        NodeInstaller installer = new NodeInstaller(options, out);
        var nodes = NodesConfig.load(config.nodesConfig());
        InstallResult r = config.nodesMode().equals("env-only") ? installer.writeEnvFiles(nodes) : installer.install(nodes);
        // one log line per installer line: node names, urls and git output are not ours to trust
        buf.toString(StandardCharsets.UTF_8).lines().forEach(l -> LOG.info("custom nodes: {}", LogSafe.of(l)));
        if (!r.ok()) {
          throw new IllegalStateException("custom nodes failed: " + r.failedRequired());
        }
      }
      return null;
    }, false);
    return step("custom_nodes", new JsonObject().put("config", config.nodesConfig().toString())
      .put("mode", config.nodesMode()), install);
  }

  private Future<Void> startInProcessWorkers() {
    if (!config.workerMode().equals("inprocess")) {
      return Future.succeededFuture();
    }
    int workers = Math.max(1, plan.gpuCount());
    Map<String, String> overrides = new HashMap<>(Map.of(
      "EMP_MACHINE_ID", config.machineId(),
      "EMP_WORKERS", String.valueOf(workers),
      "EMP_WORKER_HEALTH_PORT", "-1",
      "EMP_SHUTDOWN_GRACE_MS", String.valueOf(config.drainGraceMs())));
    if (workerCapabilities != null) {
      overrides.put(CAPABILITIES, workerCapabilities.apply(env.raw(CAPABILITIES)));
    }
    EnvConfig workerEnv = env.with(overrides);
    return step("workers", new JsonObject().put("mode", "inprocess").put("workers", workers),
      vertx.deployVerticle(new WorkerRole(workerEnv)).map(id -> {
        inProcessWorkers = id;
        return null;
      }));
  }

  private Future<Void> step(String name, JsonObject detail, Future<Void> work) {
    onStep.accept(name + "_started", detail);
    long t0 = System.currentTimeMillis();
    return work.andThen(ar -> onStep.accept(ar.succeeded() ? name + "_done" : name + "_failed", detail.copy()
      .put("elapsed_ms", System.currentTimeMillis() - t0)
      .put("error", ar.succeeded() ? null : String.valueOf(ar.cause().getMessage()))));
  }

  private void setPhase(String p) {
    if (!p.equals(phase)) {
      LOG.info("machine {}: phase {} → {}", config.machineId(), phase, p);
    }
    phase = p;
    onPhase.accept(p);
  }
}
