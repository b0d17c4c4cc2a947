package io.emp.supervisor.models;

import io.emp.supervisor.models.ModelOutcome.Refusal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes models without pulling one from under a job: the models are first withdrawn from the
 * inventory and the inventory published (the claim no longer treats this machine as warm for them),
 * then the held jobs are read again, and only the models still unused are deleted — or everything is
 * put back and the eviction refused when those free less than needed. Each deletion is a
 * {@code machine.model_evicted} event. Used on the manager's context, inside its serial section.
 */
final class Evictor {
  private static final Logger LOG = LoggerFactory.getLogger(Evictor.class);
  private final Vertx vertx;
  private final Path dir;
  private final Inventory inventory;
  private final Supplier<Future<Void>> publish;
  private final Supplier<Future<Map<String, Integer>>> held;
  private final BiConsumer<String, JsonObject> events;
  private final Runnable onChange;

  /** {@code held} reads the held jobs' models and updates the inventory's in-use counts. */
  Evictor(Vertx vertx, Path dir, Inventory inventory, Supplier<Future<Void>> publish,
          Supplier<Future<Map<String, Integer>>> held, BiConsumer<String, JsonObject> events, Runnable onChange) {
    this.vertx = vertx;
    this.dir = dir;
    this.inventory = inventory;
    this.publish = publish;
    this.held = held;
    this.events = events;
    this.onChange = onChange;
  }

  static String unknownUse(Throwable e) {
    return "cannot tell which models the held jobs use (" + e.getMessage() + "); nothing evicted";
  }

  /** Evicts {@code models} (in the inventory, not in use when chosen); completes with the names deleted. */
  Future<List<String>> evict(List<Inventory.Model> models, long need, String reason) {
    models.forEach(m -> inventory.remove(m.name));
    return publish.get()
      .compose(v -> held.get())
      .transform(ar -> {
        List<Inventory.Model> free = models.stream()
          .filter(m -> ar.succeeded() && ar.result().getOrDefault(m.name, 0) == 0).toList();
        models.stream().filter(m -> !free.contains(m)).forEach(inventory::add);
        if (ar.failed() || free.stream().mapToLong(m -> m.bytes).sum() < need) {
          free.forEach(inventory::add);
          String why = ar.failed() ? unknownUse(ar.cause()) : "a job claimed " + models.stream()
            .filter(m -> !free.contains(m)).map(m -> m.name).toList() + " while it was being evicted";
          return publish.get().compose(v -> Future.failedFuture(new Refusal(why)));
        }
        inventory.inUse(ar.result(), System.currentTimeMillis());
        return delete(free, reason);
      });
  }

  /** Deletes the files; a file that cannot be deleted goes back into the inventory and fails the eviction. */
  private Future<List<String>> delete(List<Inventory.Model> models, String reason) {
    return vertx.executeBlocking(() -> {
      Map<String, String> errors = new HashMap<>();
      for (Inventory.Model m : models) {
        try {
          Files.deleteIfExists(dir.resolve(m.name));
        } catch (java.io.IOException | RuntimeException e) {
          errors.put(m.name, e.toString());
        }
      }
      return errors;
    }, false).compose(failed -> {
      List<String> gone = new ArrayList<>();
      for (Inventory.Model m : models) {
        if (failed.containsKey(m.name)) {
          inventory.add(m);
          continue;
        }
        gone.add(m.name);
        LOG.info("models: evicted {} ({} bytes): {}", m.name, m.bytes, reason);
        events.accept("machine.model_evicted", new JsonObject().put("model", m.name).put("bytes", m.bytes)
          .put("reason", reason).put("last_used", m.lastUsed));
      }
      onChange.run();
      return publish.get().compose(v -> failed.isEmpty() ? Future.succeededFuture(gone)
        : Future.failedFuture(new IllegalStateException("cannot delete model file(s): " + failed)));
    });
  }
}
