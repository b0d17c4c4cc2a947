package io.emp.supervisor.process;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the machine's services running (the PM2 replacement): starts the planned instances in
 * dependency order, each once its dependencies are ready, restarts crashed ones with backoff, and
 * stops them in reverse order with SIGTERM, grace and a SIGKILL of the whole tree.
 *
 * <p>Created by the supervisor verticle (on its context); every operation may be called from any
 * thread and runs on that context. Names are instance names ({@code comfyui-gpu0}) or service names
 * ({@code comfyui} = all its instances); an unknown name fails with {@link UnknownServiceException}.
 * Stopping one instance does not stop what depends on it.
 */
public final class ProcessSupervisor {
  static final long MEMORY_SAMPLE_MS = 5_000;
  private static final Logger log = LoggerFactory.getLogger(ProcessSupervisor.class);
  private final Vertx vertx;
  private final Context ctx;
  private final LogFiles logs;
  private final WebClient web;
  private final NetClient net;
  private final Map<String, ManagedService> services = new LinkedHashMap<>();
  private final Map<String, List<String>> dependents = new HashMap<>();
  private final List<String> serviceNames;
  private final List<Consumer<ServiceStatus>> listeners = new CopyOnWriteArrayList<>();
  private int epoch;
  private long sampler = -1;

  /**
   * @param plan the instances to supervise (in start order) and the spec's service names
   * @param logs where the instances' output goes; closed by {@link #close()}
   */
  public ProcessSupervisor(Vertx vertx, MachinePlan plan, LogFiles logs) {
    List<InstanceSpec> instances = plan.instances();
    this.serviceNames = List.copyOf(plan.spec().services().keySet());
    this.vertx = vertx;
    this.ctx = vertx.getOrCreateContext();
    this.logs = logs;
    this.web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false)
      .setConnectTimeout((int) ReadinessProbe.ATTEMPT_TIMEOUT_MS));
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) ReadinessProbe.ATTEMPT_TIMEOUT_MS));
    ReadinessProbe probe = new ReadinessProbe(vertx, web, net);
    for (InstanceSpec i : instances) {
      services.put(i.name(), new ManagedService(i, ctx, logs, probe, this::publish));
      i.dependsOn().forEach(d -> dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(i.name()));
    }
    ctx.runOnContext(v -> sampler = vertx.setPeriodic(MEMORY_SAMPLE_MS, id -> sampleMemory()));
  }

  /** Called on the supervisor's context after every state change (and pid change), with the new status. */
  public void onChange(Consumer<ServiceStatus> listener) {
    listeners.add(listener);
  }

  /** Every instance, in start order. Non-blocking; memory is the last sample. */
  public List<ServiceStatus> status() {
    return services.values().stream().map(ManagedService::status).toList();
  }

  /** The last {@code n} output lines of an instance from memory, stdout and stderr merged. */
  public List<String> tail(String instance, int n) {
    return logs.tail(instance, n);
  }

  public LogFiles logs() {
    return logs;
  }

  /**
   * Starts every instance, each after its dependencies are ready, independent ones in parallel.
   * Completes when all are ready; otherwise fails, once every instance has settled, with a message
   * listing those not ready and why (readiness timeout, crash loop, dependency not ready). Instances
   * that did get ready keep running; those whose dependency failed stay {@code pending} with the
   * reason as last error.
   */
  public Future<Void> startAll() {
    return onContext(() -> {
      int myEpoch = ++epoch;
      Map<String, Future<Void>> started = new LinkedHashMap<>();
      services.values().forEach(s -> started.put(s.name(), startAfterDependencies(s, started, myEpoch)));
      return Future.join(new ArrayList<>(started.values())).transform(ar -> summary(started));
    });
  }

  private Future<Void> startAfterDependencies(ManagedService s, Map<String, Future<Void>> started, int myEpoch) {
    List<Future<Void>> deps = s.spec().dependsOn().stream().map(started::get).toList();
    return Future.all(deps).transform(ar -> {
      if (myEpoch != epoch) {
        return s.notStarted("not started: the supervisor is stopping");
      }
      if (ar.failed()) {
        String which = String.join(", ", s.spec().dependsOn().stream()
          .filter(d -> started.get(d).failed())
          .map(d -> d + " " + services.get(d).state().wire())
          .toList());
        return s.notStarted("not started: dependency " + which);
      }
      return s.start();
    });
  }

  private Future<Void> summary(Map<String, Future<Void>> started) {
    List<String> notReady = new ArrayList<>();
    started.forEach((name, f) -> {
      if (f.failed()) {
        ServiceStatus st = services.get(name).status();
        notReady.add(name + " " + st.state().wire() + " (" + st.lastError() + ")");
      }
    });
    if (notReady.isEmpty()) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(notReady.size() + " of " + started.size() + " services not ready: "
      + String.join("; ", notReady));
  }

  /** {@link #stopAll(long)} with each instance's own grace. */
  public Future<Void> stopAll() {
    return stopAll(Long.MAX_VALUE);
  }

  /**
   * Stops everything in reverse dependency order (an instance after all that depend on it), with at
   * most {@code graceMs} of grace per instance. Cancels a {@link #startAll()} in progress. Completes
   * when every process has exited.
   */
  public Future<Void> stopAll(long graceMs) {
    return onContext(() -> {
      epoch++;
      Map<String, Future<Void>> stopped = new HashMap<>();
      List<ManagedService> reverse = new ArrayList<>(services.values());
      Collections.reverse(reverse);
      for (ManagedService s : reverse) {
        List<Future<Void>> before = dependents.getOrDefault(s.name(), List.of()).stream().map(stopped::get).toList();
        stopped.put(s.name(), Future.join(before).transform(ar -> s.stop(Math.min(graceMs, s.spec().stopGraceMs()))));
      }
      return Future.join(new ArrayList<>(stopped.values())).mapEmpty();
    });
  }

  /**
   * Starts an instance (or every instance of a service) that is stopped, failed or in a crash loop,
   * resetting its crash-loop count; completes when ready. Its dependencies must be ready or on their
   * way (starting, backoff), otherwise it fails naming them.
   */
  public Future<Void> start(String name) {
    return onContext(() -> each(name, this::startWithDependencies));
  }

  /** Stops an instance (or every instance of a service) with its grace; dependents keep running. */
  public Future<Void> stop(String name) {
    return onContext(() -> each(name, s -> s.stop(s.spec().stopGraceMs())));
  }

  /** Stop then start, resetting the crash-loop count; only the named instance(s), not their dependents. */
  public Future<Void> restart(String name) {
    return onContext(() -> each(name, s -> s.stop(s.spec().stopGraceMs()).compose(v -> startWithDependencies(s))));
  }

  /** Stops everything, then releases the clients and closes the log files. */
  public Future<Void> close() {
    return stopAll().eventually(() -> onContext(() -> {
      vertx.cancelTimer(sampler);
      web.close();
      return net.close().eventually(() -> vertx.executeBlocking(() -> {
        logs.close();
        return null;
      }, false));
    }).mapEmpty());
  }

  private Future<Void> startWithDependencies(ManagedService s) {
    List<Future<Void>> deps = new ArrayList<>();
    for (String d : s.spec().dependsOn()) {
      ManagedService dep = services.get(d);
      switch (dep.state()) {
        case READY, STARTING, BACKOFF -> deps.add(dep.whenReady());
        default -> {
          return Future.failedFuture("cannot start " + s.name() + ": dependency " + d + " is " + dep.state().wire());
        }
      }
    }
    return Future.all(deps).compose(v -> s.start());
  }

  private Future<Void> each(String name, Function<ManagedService, Future<Void>> op) {
    List<ManagedService> targets = resolve(name);
    return Future.all(targets.stream().map(op).toList()).mapEmpty();
  }

  private List<ManagedService> resolve(String name) {
    ManagedService exact = services.get(name);
    if (exact != null) {
      return List.of(exact);
    }
    if (!serviceNames.contains(name)) {
      Set<String> known = new LinkedHashSet<>(services.keySet());
      known.addAll(serviceNames);
      throw new UnknownServiceException(name, known);
    }
    return services.values().stream().filter(s -> s.spec().service().equals(name)).toList(); // may be none (0 GPUs)
  }

  private void publish(ServiceStatus status) {
    for (Consumer<ServiceStatus> l : listeners) {
      try {
        l.accept(status);
      } catch (RuntimeException e) {
        log.warn("status listener failed on {}: {}", status.name(), e.toString());
      }
    }
  }

  /** Reads VmRSS of every running tree on a worker thread; the results land on the context. */
  private void sampleMemory() {
    Map<ManagedService, Long> pids = new HashMap<>();
    services.values().forEach(s -> {
      Long pid = s.pid();
      if (pid != null) {
        pids.put(s, pid);
      }
    });
    if (pids.isEmpty()) {
      return;
    }
    vertx.executeBlocking(() -> {
      Map<ManagedService, Long> rss = new HashMap<>();
      pids.forEach((s, pid) -> rss.put(s, ProcessTree.rssBytes(pid)));
      return rss;
    }, false).onSuccess(rss -> rss.forEach((s, bytes) -> s.memory(pids.get(s), bytes)));
  }

  /** Runs {@code op} on the supervisor's context; a thrown exception becomes a failed future. */
  private <T> Future<T> onContext(Supplier<Future<T>> op) {
    Promise<T> p = Promise.promise();
    Runnable r = () -> {
      try {
        op.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e);
      }
    };
    if (Vertx.currentContext() == ctx) {
      r.run();
    } else {
      ctx.runOnContext(v -> r.run());
    }
    return p.future();
  }
}
