package io.emp.supervisor.models;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The prefetches of the machine from admission to install: at most {@code EMP_MODELS_PARALLEL}
 * download at once, the others wait in order. Each admitted download reserves its bytes against the
 * budget until it ends. A finished download is flushed to disk and renamed into place atomically
 * ({@code ATOMIC_MOVE} within the models directory: a model file is complete or absent); a failed one
 * has its partial file deleted. Progress goes out as {@code machine.model_download} events —
 * {@code started}, {@code progress} at most once a second, {@code retry}, {@code done}, {@code failed}.
 * Used on the manager's context only.
 */
final class Downloads {
  private static final long PROGRESS_EVERY_MS = 1_000;
  private final Vertx vertx;
  private final ModelsConfig config;
  private final Downloader downloader;
  private final BiConsumer<String, JsonObject> events;
  private final Map<String, Active> active = new LinkedHashMap<>();
  private final Deque<Active> waiting = new ArrayDeque<>();
  private int running;

  /** One prefetch between its admission and its end. */
  static final class Active {
    final String name;
    final Promise<ModelOutcome> outcome = Promise.promise();
    final JsonArray evicted = new JsonArray();
    ModelCatalog.Entry entry;
    String state = "admitting";
    long bytesDone;
    long startedAt;
    private long lastEventAt;
    private long lastEventBytes;
    private Promise<Integer> installed;

    Active(String name) {
      this.name = name;
    }

    long reserved() {
      return entry == null ? 0 : entry.bytes();
    }
  }

  Downloads(Vertx vertx, ModelsConfig config, Downloader downloader, BiConsumer<String, JsonObject> events) {
    this.vertx = vertx;
    this.config = config;
    this.downloader = downloader;
    this.events = events;
  }

  Active get(String name) {
    return active.get(name);
  }

  /** Registers a prefetch being admitted: later prefetches of the same model join it. */
  Active begin(String name) {
    Active a = new Active(name);
    active.put(name, a);
    return a;
  }

  /** The prefetch ended before its download (refused): it holds nothing any more. */
  void forget(Active a) {
    active.remove(a.name, a);
  }

  /** Bytes reserved by admitted downloads (queued or running). */
  long reservedBytes() {
    return active.values().stream().mapToLong(Active::reserved).sum();
  }

  /** Bytes admitted downloads still have to write to the disk. */
  long pendingBytes() {
    return active.values().stream().mapToLong(a -> a.reserved() - a.bytesDone).sum();
  }

  /**
   * Queues an admitted download of {@code a.entry}; completes with its attempts once the model file is
   * in place, or fails (partial file deleted). The prefetch stays active (and reserved) until then.
   */
  Future<Integer> enqueue(Active a) {
    a.state = "queued";
    a.installed = Promise.promise();
    waiting.add(a);
    pump();
    return a.installed.future().andThen(ar -> active.remove(a.name, a));
  }

  JsonArray toJson() {
    JsonArray out = new JsonArray();
    active.values().stream().filter(a -> a.entry != null).forEach(a -> out.add(new JsonObject()
      .put("name", a.name).put("state", a.state).put("bytes_done", a.bytesDone).put("bytes_total", a.entry.bytes())));
    return out;
  }

  private void pump() {
    while (running < config.parallel() && !waiting.isEmpty()) {
      Active a = waiting.poll();
      running++;
      run(a).onComplete(ar -> {
        running--;
        a.installed.handle(ar);
        pump();
      });
    }
  }

  private Future<Integer> run(Active a) {
    a.state = "downloading";
    a.startedAt = System.currentTimeMillis();
    a.lastEventAt = a.startedAt;
    event(a, "started", new JsonObject());
    Path partial = config.partialDir().resolve(a.name);
    return downloader.download(a.entry, partial, listener(a))
      .compose(attempts -> vertx.executeBlocking(() -> install(partial, config.dir().resolve(a.name)), false)
        .map(v -> attempts))
      .andThen(ar -> event(a, ar.succeeded() ? "done" : "failed", ar.succeeded()
        ? new JsonObject().put("attempts", ar.result()).put("rate", rate(a.bytesDone, System.currentTimeMillis() - a.startedAt))
        : new JsonObject().put("error", String.valueOf(ar.cause().getMessage()))))
      .recover(e -> vertx.executeBlocking(() -> Files.deleteIfExists(partial), false)
        .transform(d -> Future.failedFuture(e)));
  }

  private Downloader.Listener listener(Active a) {
    return new Downloader.Listener() {
      @Override
      public void progress(long done, long total) {
        a.bytesDone = done;
        long now = System.currentTimeMillis();
        if (now - a.lastEventAt >= PROGRESS_EVERY_MS) {
          long rate = rate(done - a.lastEventBytes, now - a.lastEventAt);
          a.lastEventAt = now;
          a.lastEventBytes = done;
          event(a, "progress", new JsonObject().put("rate", rate));
        }
      }

      @Override
      public void retrying(int attempt, String reason, long delayMs, long done) {
        a.bytesDone = done;
        a.lastEventBytes = done;
        event(a, "retry", new JsonObject().put("attempt", attempt).put("error", reason).put("retry_in_ms", delayMs));
      }
    };
  }

  private void event(Active a, String state, JsonObject extra) {
    events.accept("machine.model_download", extra.put("model", a.name).put("state", state)
      .put("bytes_done", a.bytesDone).put("bytes_total", a.entry.bytes())
      .put("elapsed_ms", System.currentTimeMillis() - a.startedAt));
  }

  private static long rate(long bytes, long ms) {
    return ms <= 0 ? 0 : bytes * 1000 / ms;
  }

  /** Blocking: flushes the verified file and renames it into place in one step. */
  private static Void install(Path partial, Path target) throws java.io.IOException {
    try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return null;
  }
}
