package io.emp.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code EMP_SSE_MAX_PER_TOKEN} open SSE streams per token in this process; one more is 429
 * with {@code Retry-After}. A stream's slot is freed when its response ends or its connection closes.
 */
final class SseLimits implements Handler<RoutingContext> {
  private final int max;
  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();

  SseLimits(int max) {
    this.max = max;
  }

  @Override
  public void handle(RoutingContext rc) {
    String who = TokenAuth.principal(rc).name();
    AtomicInteger n = open.computeIfAbsent(who, k -> new AtomicInteger());
    if (n.incrementAndGet() > max) {
      n.decrementAndGet();
      rc.fail(new ApiError(429, "TOO_MANY_STREAMS", "token", "at most " + max + " open event streams per token",
        5_000));
      return;
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        n.decrementAndGet();
      }
    };
    // the context's end handler runs once the response is done, whether it ended or its connection
    // closed (the stream handler sets the response's own close handler, so that one is not ours)
    rc.addEndHandler(ar -> release.run());
    rc.next();
  }

  int open(String token) {
    AtomicInteger n = open.get(token);
    return n == null ? 0 : n.get();
  }
}
