package io.emp.supervisor.process;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.regex.Pattern;

/**
 * Waits for the first output line matching a pattern. {@link #offer} runs on the log pump threads; the
 * match is handed to the supervisor's context, once, so the event loop does not see every line.
 */
final class LogWatch {
  private final Pattern pattern;
  private final Context ctx;
  private final Promise<Void> matched = Promise.promise();
  private volatile boolean done;

  LogWatch(Pattern pattern, Context ctx) {
    this.pattern = pattern;
    this.ctx = ctx;
  }

  void offer(String line) {
    if (!done && pattern.matcher(line).find()) {
      done = true;
      ctx.runOnContext(v -> matched.tryComplete());
    }
  }

  Future<Void> matched() {
    return matched.future();
  }
}
