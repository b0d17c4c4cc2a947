package io.emp.supervisor.process;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.ext.web.client.WebClient;

/**
 * Decides when a spawned instance is ready (see {@link Readiness}): polls HTTP or TCP on
 * {@code 127.0.0.1:<port>} at a growing interval (100 ms → 1 s), or waits for a {@link LogWatch}
 * match. Fails at the readiness deadline, or at once when the process exits first. Runs on the
 * supervisor's context.
 */
final class ReadinessProbe {
  static final String HOST = "127.0.0.1";
  static final long ATTEMPT_TIMEOUT_MS = 2_000;
  private static final long MAX_INTERVAL_MS = 1_000;
  private final Vertx vertx;
  private final WebClient web;
  private final NetClient net;

  ReadinessProbe(Vertx vertx, WebClient web, NetClient net) {
    this.vertx = vertx;
    this.web = web;
    this.net = net;
  }

  /** Completes when ready; fails with the reason. {@code watch} is the run's log watch for LOG probes. */
  Future<Void> await(InstanceSpec spec, LogWatch watch, Future<?> exited) {
    Readiness r = spec.readiness();
    if (r.kind() == Readiness.Kind.NONE) {
      return Future.succeededFuture();
    }
    Promise<Void> ready = Promise.promise();
    String[] lastError = {"no answer yet"};
    Timer deadline = vertx.timer(r.timeoutMs());
    deadline.onSuccess(v -> ready.tryFail("readiness: " + describe(spec) + " not ready within " + r.timeoutMs() / 1000
      + " s (last: " + lastError[0] + ")"));
    exited.onComplete(v -> ready.tryFail(new ExitedBeforeReady()));
    switch (r.kind()) {
      case LOG -> watch.matched().onSuccess(v -> ready.tryComplete());
      case HTTP, TCP -> poll(spec, ready, lastError, 100);
      default -> throw new IllegalStateException(r.kind().name());
    }
    return ready.future().onComplete(ar -> deadline.cancel());
  }

  private void poll(InstanceSpec spec, Promise<Void> ready, String[] lastError, long intervalMs) {
    if (ready.future().isComplete()) {
      return;
    }
    attempt(spec).onComplete(ar -> {
      if (ar.succeeded()) {
        ready.tryComplete();
      } else {
        lastError[0] = String.valueOf(ar.cause().getMessage());
        vertx.timer(intervalMs).onSuccess(v -> poll(spec, ready, lastError, Math.min(MAX_INTERVAL_MS, intervalMs * 2)));
      }
    });
  }

  private Future<Void> attempt(InstanceSpec spec) {
    if (spec.readiness().kind() == Readiness.Kind.TCP) {
      return net.connect(spec.port(), HOST).compose(socket -> socket.close());
    }
    return web.get(spec.port(), HOST, spec.readiness().target())
      .timeout(ATTEMPT_TIMEOUT_MS)
      .send()
      .compose(resp -> resp.statusCode() / 100 == 2
        ? Future.succeededFuture()
        : Future.failedFuture("HTTP " + resp.statusCode()));
  }

  private static String describe(InstanceSpec spec) {
    Readiness r = spec.readiness();
    return switch (r.kind()) {
      case HTTP -> "GET http://" + HOST + ":" + spec.port() + r.target();
      case TCP -> "tcp " + HOST + ":" + spec.port();
      default -> r.describe();
    };
  }

  /** The process ended before the probe passed: the exit handling decides what happens next. */
  static final class ExitedBeforeReady extends RuntimeException {
    ExitedBeforeReady() {
      super("exited before it was ready", null, false, false);
    }
  }
}
