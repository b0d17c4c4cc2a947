package io.emp.worker.connector.rest;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs cancel hooks on the context a job runs on. {@code JobContext.cancel} may be called from any
 * thread (the worker calls it on its own context, tests from theirs); a job's state is only touched on
 * its context.
 */
public final class ContextHop {
  private ContextHop() {
  }

  /** A runnable that runs {@code action} on {@code context}: at once when already there. */
  public static Runnable on(Context context, Runnable action) {
    return () -> {
      if (Vertx.currentContext() == context) {
        action.run();
      } else {
        context.runOnContext(v -> action.run());
      }
    };
  }
}
