package io.emp.supervisor.models;

import io.emp.core.store.BrokerStore;
import io.emp.core.store.MachineRegistry;
import io.emp.supervisor.models.Downloads.Active;
import io.emp.supervisor.models.Eviction.Candidate;
import io.emp.supervisor.models.ModelOutcome.Prefetch;
import io.emp.supervisor.models.ModelOutcome.Refusal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine's model manager (docs/pools-and-models.md#model-manager-supervisor): keeps the models
 * directory under a disk budget, downloads catalog models on {@code prefetch_model} (coalesced,
 * bounded in parallel, resumable, verified, installed atomically — {@link Downloads},
 * {@link Downloader}), evicts the least valuable models not in use to make room ({@link Eviction}) or
 * on {@code evict_model}, and reports the inventory with {@code emp_machine_models} after every
 * change and every {@code EMP_STATUS_INTERVAL_MS}.
 *
 * <p>A model is <em>in use</em> when a job held by one of this machine's workers requires it, or
 * while it downloads. Budget decisions and evictions run one at a time. An eviction first withdraws
 * the model from the published inventory (no new warm claim for it), then checks the held jobs again,
 * and only then deletes the file — a job claimed in between keeps its model. Everything runs on the
 * supervisor's context; file work goes through {@code executeBlocking}.
 */
public final class ModelManager {
  private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);
  private final Vertx vertx;
  private final ModelsConfig config;
  private final MachineRegistry registry;
  private final String machineId;
  private final Function<String, String> env;
  private final Runnable onChange;
  private final Inventory inventory = new Inventory();
  private final FleetView fleet;
  private final Evictor evictor;
  private ModelCatalog catalog = ModelCatalog.empty();
  private long budget;
  private HttpClient client;
  private Downloads downloads;
  private Future<Void> serial = Future.succeededFuture();
  private Future<Void> publishing = Future.succeededFuture();
  private boolean publishQueued;
  private boolean publishFailing;
  private long periodic = -1;

  public ModelManager(Vertx vertx, ModelsConfig config, MachineRegistry registry, BrokerStore store, String machineId,
                      Function<String, String> env, Runnable onChange) {
    this.vertx = vertx;
    this.config = config;
    this.registry = registry;
    this.machineId = machineId;
    this.env = env;
    this.onChange = onChange;
    this.fleet = new FleetView(store, machineId, config.demandHours());
    this.evictor = new Evictor(vertx, config.dir(), inventory, this::publish, this::heldModels, this::event, onChange);
  }

  /**
   * Creates the directories, drops partial files of an earlier run, loads the catalog (a bad one fails
   * the start), scans the installed models and fixes the budget; then refreshes in-use counts and the
   * published inventory every {@code refreshMs}. Call on the supervisor's context.
   */
  public Future<Void> start(long refreshMs) {
    return vertx.executeBlocking(this::scan, false).map(found -> {
      found.models().forEach(inventory::add);
      catalog = found.catalog();
      budget = config.budgetBytes() > 0 ? config.budgetBytes()
        : inventory.usedBytes() + (long) (found.freeBytes() * ModelsConfig.DEFAULT_BUDGET_SHARE);
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
      downloads = new Downloads(vertx, config, new Downloader(vertx, client, new TokenBucket(config.bandwidthBps()),
        config, env), this::event);
      periodic = vertx.setPeriodic(refreshMs, t -> refresh());
      LOG.info("models: {} model(s), {} bytes in {}; budget {} bytes; catalog of {} model(s){}", found.models().size(),
        inventory.usedBytes(), config.dir(), budget, catalog.entries().size(),
        config.bandwidthBps() > 0 ? "; bandwidth cap " + config.bandwidthBps() + " B/s" : "");
      return null;
    });
  }

  public Future<Void> stop() {
    vertx.cancelTimer(periodic);
    return client == null ? Future.succeededFuture() : client.close().recover(e -> Future.succeededFuture());
  }

  /** Refreshes the in-use counts from the held jobs, then publishes the inventory (Redis away: logged). */
  public Future<Void> refresh() {
    return heldModels().<Void>mapEmpty().recover(e -> Future.succeededFuture()).compose(v -> publish());
  }

  /** {@code prefetch_model {name}}: present, joins a running prefetch, or admits and downloads. */
  public Prefetch prefetch(String name) {
    if (!ModelCatalog.validName(name)) {
      return Prefetch.done(ModelOutcome.refused(String.valueOf(name), "name must be 1-256 characters of [A-Za-z0-9_.:-],"
        + " not starting with a dot"));
    }
    Inventory.Model present = inventory.get(name);
    if (present != null) {
      return Prefetch.done(ModelOutcome.ok(name, "present").put("bytes", present.bytes));
    }
    Active running = downloads.get(name);
    if (running != null) {
      return new Prefetch(Future.succeededFuture(), running.outcome.future());
    }
    Active a = downloads.begin(name);
    Future<Void> admitted = serially(() -> admit(a)).recover(e -> {
      downloads.forget(a);
      a.outcome.tryComplete(ModelOutcome.of(name, e));
      return Future.succeededFuture();
    });
    return new Prefetch(admitted, a.outcome.future());
  }

  /** {@code evict_model {name}}: deletes the model unless it is in use or downloading. */
  public Future<ModelOutcome> evict(String name) {
    return serially(() -> {
      if (!ModelCatalog.validName(name)) {
        throw new Refusal("name must be 1-256 characters of [A-Za-z0-9_.:-], not starting with a dot");
      }
      if (downloads.get(name) != null) {
        throw new Refusal("model " + name + " is being downloaded");
      }
      Inventory.Model m = inventory.get(name);
      if (m == null) {
        return Future.succeededFuture(ModelOutcome.ok(name, "absent"));
      }
      return heldModels().recover(e -> Future.failedFuture(new Refusal(Evictor.unknownUse(e))))
        .compose(held -> {
          if (held.getOrDefault(name, 0) > 0) {
            throw new Refusal("model " + name + " is in use by " + held.get(name) + " job(s) held by this machine's workers");
          }
          return evictor.evict(List.of(m), m.bytes, "evict_model command");
        })
        .onSuccess(gone -> ModelMetrics.evicted("command", gone.size()))
        .map(gone -> ModelOutcome.ok(name, "evicted").put("bytes", m.bytes));
    }).recover(e -> Future.succeededFuture(ModelOutcome.of(name, e)));
  }

  /** The document {@code emp_machine_models} stores: models, disk budget and downloads. */
  public JsonObject inventory() {
    return new JsonObject()
      .put("models", inventory.toJson())
      .put("disk", new JsonObject().put("budget_bytes", budget).put("used_bytes", inventory.usedBytes())
        .put("reserved_bytes", downloads.reservedBytes()))
      .put("downloads", downloads.toJson());
  }

  /** The status document's {@code models} array. */
  public JsonArray statusModels() {
    return inventory.toJson();
  }

  /** The status document's {@code model_manager} object: directory, budget, downloads. */
  public JsonObject statusSummary() {
    return new JsonObject().put("dir", config.dir().toString()).put("catalog_models", catalog.entries().size())
      .put("budget_bytes", budget).put("used_bytes", inventory.usedBytes())
      .put("reserved_bytes", downloads.reservedBytes()).put("downloads", downloads.toJson());
  }

  private Future<Void> admit(Active a) {
    return reloadCatalog().compose(cat -> {
      ModelCatalog.Entry e = cat.get(a.name);
      if (e == null) {
        throw new Refusal("model " + a.name + " is not in this machine's catalog"
          + (config.catalog() == null ? " (EMP_MODELS_CATALOG is not set)" : " (" + config.catalog() + ")"));
      }
      if (e.bytes() > budget) {
        throw new Refusal("model " + a.name + " has " + e.bytes() + " bytes, more than this machine's model budget of "
          + budget + " bytes");
      }
      return makeRoom(e, a).map(v -> {
        a.entry = e;
        downloads.enqueue(a).transform(ar -> finished(a, ar.succeeded() ? ar.result() : null, ar.cause()));
        onChange.run();
        publish();
        return null;
      });
    });
  }

  /** Records the end of a download; the outcome completes once Redis has the new inventory. */
  private Future<Void> finished(Active a, Integer attempts, Throwable failure) {
    ModelOutcome outcome;
    if (failure == null) {
      inventory.add(new Inventory.Model(a.name, a.entry.bytes(), a.entry.sha256(), System.currentTimeMillis()));
      outcome = ModelOutcome.ok(a.name, "downloaded").put("bytes", a.entry.bytes())
        .put("sha256", a.entry.sha256()).put("attempts", attempts)
        .put("elapsed_ms", System.currentTimeMillis() - a.startedAt).put("evicted", a.evicted);
      ModelMetrics.downloaded(true, a.entry.bytes(), System.currentTimeMillis() - a.startedAt);
    } else {
      ModelMetrics.downloaded(false, 0, 0);
      LOG.warn("models: download of {} failed: {}", io.emp.core.LogSafe.of(a.name), io.emp.core.LogSafe.of(failure.getMessage()));
      outcome = ModelOutcome.failed(a.name, String.valueOf(failure.getMessage()));
    }
    onChange.run();
    return publish().onComplete(ar -> a.outcome.tryComplete(outcome));
  }

  /** Evicts what the budget and the free disk need for {@code e} (nothing when it fits). */
  private Future<Void> makeRoom(ModelCatalog.Entry e, Active a) {
    return vertx.executeBlocking(() -> config.dir().toFile().getUsableSpace(), false).compose(free -> {
      long overBudget = inventory.usedBytes() + downloads.reservedBytes() + e.bytes() - budget;
      long overDisk = downloads.pendingBytes() + e.bytes() - free;
      long need = Math.max(overBudget, overDisk);
      if (need <= 0) {
        return Future.succeededFuture();
      }
      String numbers = "budget " + budget + ", used " + inventory.usedBytes() + ", reserved by downloads "
        + downloads.reservedBytes() + ", free disk " + free;
      return heldModels().recover(x -> Future.failedFuture(new Refusal(Evictor.unknownUse(x))))
        .compose(held -> fleet.forecast())
        .compose(forecast -> evictFor(e, a, need, forecast, numbers));
    });
  }

  private Future<Void> evictFor(ModelCatalog.Entry e, Active a, long need, Map<String, Double> forecast, String numbers) {
    List<Candidate> candidates = new ArrayList<>();
    Set<String> inUse = new HashSet<>();
    for (Inventory.Model m : inventory.all()) {
      if (m.inUse > 0) {
        inUse.add(m.name);
      } else {
        candidates.add(new Candidate(m.name, m.bytes, m.lastUsed, forecast.getOrDefault(m.name, 0.0)));
      }
    }
    List<Candidate> victims = Eviction.choose(candidates, need);
    if (victims == null) {
      long evictable = candidates.stream().mapToLong(Candidate::bytes).sum();
      throw new Refusal("no room for " + a.name + " (" + e.bytes() + " bytes): " + need + " bytes must be freed ("
        + numbers + ") but the models not in use hold only " + evictable + (inUse.isEmpty() ? "" : "; in use: " + inUse));
    }
    List<Inventory.Model> models = victims.stream().map(c -> inventory.get(c.name())).toList();
    return evictor.evict(models, need, "making room for " + a.name).map(gone -> {
      gone.forEach(a.evicted::add);
      ModelMetrics.evicted("room", gone.size());
      return null;
    });
  }

  /** Model → jobs held by this machine's workers requiring it; updates in-use counts and last use. */
  private Future<Map<String, Integer>> heldModels() {
    return fleet.heldModels().map(counts -> {
      inventory.inUse(counts, System.currentTimeMillis());
      return counts;
    });
  }

  /** Publishes the inventory after the publish in flight; one queued publish covers every change meanwhile. */
  private Future<Void> publish() {
    if (publishQueued) {
      return publishing;
    }
    publishQueued = true;
    publishing = publishing.transform(ar -> {
      publishQueued = false;
      return registry.publishModels(machineId, inventory()).<Void>mapEmpty().transform(r -> {
        if (r.failed() && !publishFailing) {
          LOG.warn("models: could not publish the inventory of {} ({}); retrying with the next change or refresh",
            machineId, r.cause().toString());
        }
        publishFailing = r.failed();
        return Future.succeededFuture();
      });
    });
    return publishing;
  }

  /** The catalog, re-read (off the event loop) when its file changed; a bad edit keeps the previous one. */
  private Future<ModelCatalog> reloadCatalog() {
    if (config.catalog() == null) {
      return Future.succeededFuture(catalog);
    }
    ModelCatalog known = catalog;
    return vertx.executeBlocking(() -> known.reloaded(config.catalog()), false).map(c -> {
      catalog = c;
      return c;
    });
  }

  private <T> Future<T> serially(Supplier<Future<T>> step) {
    Future<T> f = serial.transform(ar -> {
      try {
        return step.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    serial = f.transform(ar -> Future.succeededFuture());
    return f;
  }

  private void event(String type, JsonObject fields) {
    registry.event(machineId, type, fields).onFailure(e -> LOG.debug("{} event lost: {}", type, e.toString()));
  }

  /** Blocking start-up work. */
  private Scan scan() throws java.io.IOException {
    Files.createDirectories(config.partialDir());
    try (Stream<Path> partials = Files.list(config.partialDir())) {
      for (Path p : partials.toList()) {
        LOG.info("models: deleting {} left by an earlier run", p);
        Files.deleteIfExists(p);
      }
    }
    ModelCatalog cat = config.catalog() == null ? ModelCatalog.empty() : ModelCatalog.load(config.catalog());
    return new Scan(cat, Inventory.scan(config.dir(), cat), config.dir().toFile().getUsableSpace());
  }

  private record Scan(ModelCatalog catalog, List<Inventory.Model> models, long freeBytes) {
  }
}
