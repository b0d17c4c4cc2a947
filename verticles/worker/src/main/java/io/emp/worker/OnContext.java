package io.emp.worker;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Brings a future's completion back onto a verticle's context. A worker's state is only touched on
 * its own event loop; the shared Redis client and third-party connectors may complete their futures
 * elsewhere, so every result that touches worker state passes through here.
 */
final class OnContext {
  /** No broker call may hang a worker: a dead connection (NAT, preempted proxy) fails it after this. */
  static final long CALL_TIMEOUT_MS = 10_000;

  private OnContext() {
  }

  /** One broker call with {@link #CALL_TIMEOUT_MS}, completed on {@code context}. */
  static <T> Future<T> call(Context context, Supplier<Future<T>> op) {
    return of(context, op.get().timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS));
  }

  static <T> Future<T> of(Context context, Future<T> future) {
    Promise<T> p = Promise.promise();
    future.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        p.handle(ar);
      } else {
        context.runOnContext(v -> p.handle(ar));
      }
    });
    return p.future();
  }
}
