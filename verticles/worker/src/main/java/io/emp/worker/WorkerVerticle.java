package io.emp.worker;

import io.emp.core.LogSafe;
import io.emp.core.model.Results;
import io.emp.core.model.WorkerCapabilities;
import io.emp.core.store.BrokerError;
import io.emp.core.store.BrokerException;
import io.emp.core.store.BrokerStore;
import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker identity ({@code {machine}-worker-{n}}) with its slots and connectors.
 *
 * <p><b>Start</b> (the returned future completes when the worker is registered and waiting for work):
 * start the connectors, merge their capabilities into the worker's document, register
 * ({@code emp_register_worker}; jobs a previous incarnation held are requeued), open the wake
 * listener's dedicated connection, start the heartbeat, claim.
 *
 * <p><b>Running</b>: {@link ClaimLoop} claims for free slots and marks the worker idle when short;
 * {@link WakeListener} blocks on the wake and control lists; {@link JobRunner} runs each claimed job
 * as a {@link JobExecution}; {@link Heartbeat} renews leases and relays cancels and lost leases.
 * {@code UNKNOWN_WORKER} from the broker aborts local executions (their leases are gone) and
 * re-registers.
 *
 * <p><b>Stop</b> (called when Vert.x closes, e.g. on SIGTERM), in this order:
 * <ol>
 *   <li>quiet: stop claiming and leave the idle sets, so new jobs wake other workers;</li>
 *   <li>drain: running jobs may finish for up to {@code EMP_SHUTDOWN_GRACE_MS} (heartbeats, progress
 *       and cancel notices keep working);</li>
 *   <li>the rest are cancelled at their connectors and released to the queue
 *       ({@code emp_release}: no attempt burned), each after its connector stopped or
 *       {@link WorkerConfig#CANCEL_ACK_MS} passed;</li>
 *   <li>stop the heartbeat, deregister ({@code emp_deregister}: the worker is {@code left}; anything
 *       still held is released);</li>
 *   <li>close the wake listener's connection, stop the connectors.</li>
 * </ol>
 */
public final class WorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);

  private final WorkerConfig config;
  private final int index;
  private final String workerId;
  private final BrokerStore store;
  private final List<ConnectorRegistry.Prepared> prepared;
  private final Runnable onLibraryMissing;
  private final Map<String, Connector> connectors = new LinkedHashMap<>();
  private WorkerCapabilities capabilities;
  private JobRunner runner;
  private ClaimLoop claims;
  private WakeListener wake;
  private Heartbeat heartbeat;
  private ConnectorHealthMonitor health;
  private boolean capabilitiesDirty;
  private long capabilitiesReadAt;
  /** How often the connectors' capabilities (installed models, GPU) are re-read when nothing else changed. */
  private static final long CAPABILITIES_REFRESH_MS = 60_000;
  private volatile boolean registered;
  private boolean stopping;
  private boolean reRegistering;

  /**
   * @param onLibraryMissing called (on this worker's context) when Redis answers that the function
   *                         library is not loaded; the role reloads it
   */
  public WorkerVerticle(WorkerConfig config, int index, BrokerStore store, List<ConnectorRegistry.Prepared> connectors,
                        Runnable onLibraryMissing) {
    this.config = config;
    this.onLibraryMissing = onLibraryMissing;
    this.index = index;
    this.workerId = config.workerId(index);
    this.store = store;
    this.prepared = List.copyOf(connectors);
  }

  public String workerId() {
    return workerId;
  }

  /** True while the broker knows this worker (false before start, during re-registration, after stop). */
  public boolean registered() {
    return registered;
  }

  @Override
  public Future<?> start() {
    runner = new JobRunner(context, store, workerId, config, connectors, () -> claims.trigger());
    claims = new ClaimLoop(context, store, workerId, runner, this::reRegister);
    wake = new WakeListener(context, config.redis(), store.keys(), workerId, config.claimPollMs(),
      () -> claims.trigger(), this::control);
    heartbeat = new Heartbeat(context, store, workerId, config.heartbeatMs(), runner::held, this::onHeartbeat,
      this::reRegister, onLibraryMissing);
    health = new ConnectorHealthMonitor(context, workerId, connectors, config.connectorHealthMs(), this::onHealthCheck);
    return startConnectors()
      .compose(v -> health.checkNow())
      .compose(this::buildCapabilities)
      .compose(v -> register())
      .compose(v -> publishCapabilities())
      .compose(v -> wake.start())
      .onSuccess(v -> {
        health.start();
        heartbeat.start();
        claims.trigger();
        WorkerMetrics.INSTANCE.slotsAdded(config.slots());
        LOG.info("worker {} started: services {}, {} slot(s), lease {} ms, heartbeat {} ms", workerId,
          connectors.keySet(), config.slots(), config.leaseMs(), config.heartbeatMs());
      })
      .recover(e -> stopConnectors().eventually(() -> wake.stop()).transform(x -> Future.failedFuture(e)));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    LOG.info("worker {} stopping: no new claims; {} running job(s) get up to {} ms", workerId, runner.busySlots(),
      config.shutdownGraceMs());
    health.stop();
    return claims.quiet()
      .compose(v -> drain())
      .compose(v -> deregister())
      .eventually(() -> wake.stop())
      .eventually(this::stopConnectors)
      .onComplete(ar -> {
        WorkerMetrics.INSTANCE.slotsAdded(-config.slots());
        LOG.info("worker {} stopped", workerId);
      });
  }

  /** Problems of this worker's connectors (null when all are healthy), asked on the worker's context. */
  public Future<String> healthProblem() {
    Promise<String> p = Promise.promise();
    context.runOnContext(v -> {
      List<Future<String>> checks = connectors.values().stream()
        .map(c -> c.health().map(h -> h.healthy() ? null : c.service() + ": " + h.detail())
          .timeout(2, TimeUnit.SECONDS)
          .recover(e -> Future.succeededFuture(c.service() + ": " + e.getMessage())))
        .toList();
      Future.join(checks).onComplete(ar -> p.complete(checks.stream().map(Future::result)
        .filter(r -> r != null).reduce((a, b) -> a + "; " + b).orElse(null)));
    });
    return p.future();
  }

  private Future<Void> startConnectors() {
    ConnectorEnv env = new ConnectorEnv(vertx, config.machineId(), workerId, index);
    for (ConnectorRegistry.Prepared p : prepared) {
      Connector c = p.create(env);
      ConnectorHealthMonitor.registerGauges(io.emp.core.metrics.Metrics.registry(), c.service());
      Connector previous = connectors.putIfAbsent(c.service(), c);
      if (previous != null) {
        return Future.failedFuture(new IllegalStateException("connectors " + p.name() + " and another both serve service "
          + c.service()));
      }
    }
    return OnContext.of(context, Future.all(connectors.values().stream().map(Connector::start).toList()).mapEmpty());
  }

  private Future<Void> stopConnectors() {
    Future<Void> stopped = Future.join(connectors.values().stream()
        .map(c -> c.stop().recover(e -> {
          LOG.warn("worker {}: connector {} did not stop cleanly: {}", workerId, c.service(), LogSafe.of(e));
          return Future.succeededFuture();
        }))
        .toList())
      .mapEmpty();
    return OnContext.of(context, stopped);
  }

  /**
   * The capability document from the connectors whose backend is healthy: a service whose backend is
   * down is not offered, so no job is claimed for it. A connector whose fragment cannot be read
   * (backend down) contributes nothing.
   */
  private Future<Void> buildCapabilities(Map<String, ConnectorHealth> healthByService) {
    capabilitiesReadAt = System.currentTimeMillis();
    List<String> healthy = connectors.keySet().stream()
      .filter(s -> healthByService.getOrDefault(s, ConnectorHealth.up()).healthy())
      .toList();
    List<Future<JsonObject>> parts = healthy.stream()
      .map(s -> connectors.get(s).capabilities().timeout(5, TimeUnit.SECONDS))
      .toList();
    return OnContext.of(context, Future.join(parts)).transform(ar -> {
      capabilities = Capabilities.document(config, healthy,
        parts.stream().filter(Future::succeeded).map(Future::result).toList());
      return Future.succeededFuture();
    });
  }

  /** Sends the current capability document and connector status to the broker (jobs untouched). */
  private Future<Void> publishCapabilities() {
    return OnContext.call(context, () -> store.updateWorker(workerId, capabilities, health.statusDocument()))
      .onSuccess(v -> capabilitiesDirty = false)
      .recover(e -> {
        capabilitiesDirty = true;
        LOG.warn("worker {}: could not publish its capabilities ({}); will retry", workerId, LogSafe.of(e));
        return Future.succeededFuture();
      });
  }

  private void onHealthCheck(Map<String, ConnectorHealth> result, boolean changed) {
    if (!registered || stopping) {
      return;
    }
    if (changed || capabilitiesDirty) {
      // a restored service may have jobs waiting: claim at once rather than at the next poll
      buildCapabilities(result).compose(v -> publishCapabilities()).onComplete(ar -> claims.trigger());
    } else if (System.currentTimeMillis() - capabilitiesReadAt >= CAPABILITIES_REFRESH_MS) {
      // backends change what they offer (a model pulled or installed): re-read, publish if it differs
      String before = capabilities.encode();
      buildCapabilities(result).onSuccess(v -> {
        if (!capabilities.encode().equals(before)) {
          publishCapabilities();
        }
      });
    }
  }

  private Future<Void> register() {
    return OnContext.of(context, store.registerWorker(workerId, config.machineId(), capabilities, config.slots(),
        config.leaseMs()))
      .map(r -> {
        registered = true;
        LOG.info("worker {} registered on machine {} ({} job(s) of a previous run requeued)", workerId,
          config.machineId(), r.released());
        return (Void) null;
      })
      .recover(e -> Future.failedFuture(BrokerException.is(e, BrokerError.INVALID)
        ? new IllegalStateException("worker " + workerId + ": registration refused, " + ((BrokerException) e).field()
          + ": " + e.getMessage() + " (check EMP_WORKER_CAPABILITIES)")
        : e));
  }

  /** The broker no longer knows this worker: its leases are gone, so abort and register again. */
  private void reRegister() {
    if (stopping || reRegistering) {
      return;
    }
    reRegistering = true;
    registered = false;
    LOG.warn("worker {}: unknown to the broker (Redis flushed or worker removed); aborting {} job(s), re-registering",
      workerId, runner.busySlots());
    runner.cancelAll(CancelReason.LOST);
    registerUntilDone(new Backoff(200, 5_000));
  }

  private void registerUntilDone(Backoff backoff) {
    register().onComplete(ar -> {
      if (ar.succeeded() || stopping) {
        reRegistering = false;
        publishCapabilities().onComplete(x -> claims.trigger());
        return;
      }
      long delay = backoff.nextDelayMs();
      LOG.warn("worker {}: re-registration failed ({}), retrying in {} ms", workerId, LogSafe.of(ar.cause()), delay);
      vertx.setTimer(delay, t -> registerUntilDone(backoff));
    });
  }

  private void onHeartbeat(Results.Heartbeat reply) {
    reply.cancelRequested().forEach(id -> runner.cancel(id, CancelReason.REQUESTED));
    reply.lost().forEach(l -> {
      // a heartbeat sent with a lease the completion then ended reports it lost: nothing to abort, no warning
      if (runner.lost(l.id(), l.token())) {
        LOG.warn("worker {} job {}: lease lost (heartbeat); aborting", workerId, LogSafe.of(l.id()));
      } else {
        LOG.debug("worker {} job {}: lease reported lost after the job ended here", workerId, LogSafe.of(l.id()));
      }
    });
  }

  /** A control-list notice; today only {@code cancel:<job id>}. */
  private void control(String notice) {
    if (notice.startsWith("cancel:")) {
      String jobId = notice.substring("cancel:".length());
      LOG.info("worker {} job {}: cancel requested", workerId, LogSafe.of(jobId));
      runner.cancel(jobId, CancelReason.REQUESTED);
    } else {
      LOG.warn("worker {}: ignoring unknown control notice '{}'", workerId, LogSafe.of(notice));
    }
  }

  private Future<Void> drain() {
    if (runner.busySlots() == 0) {
      return Future.succeededFuture();
    }
    long timer = vertx.setTimer(Math.max(1, config.shutdownGraceMs()), t -> {
      LOG.info("worker {}: shutdown grace over; releasing {} job(s)", workerId, runner.busySlots());
      runner.cancelAll(CancelReason.SHUTDOWN);
    });
    return runner.whenIdle().andThen(ar -> vertx.cancelTimer(timer));
  }

  private Future<Void> deregister() {
    heartbeat.stop();
    registered = false;
    return OnContext.call(context, () -> store.deregister(workerId))
      .map(released -> {
        LOG.info("worker {} left the broker ({} job(s) released)", workerId, released);
        return (Void) null;
      })
      .recover(e -> {
        if (!BrokerException.is(e, BrokerError.UNKNOWN_WORKER)) {
          LOG.warn("worker {}: could not deregister ({}); its leases will expire", workerId, LogSafe.of(e));
        }
        return Future.succeededFuture();
      });
  }
}
