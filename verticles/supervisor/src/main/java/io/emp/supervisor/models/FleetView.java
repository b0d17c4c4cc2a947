package io.emp.supervisor.models;

import io.emp.core.LogSafe;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the model manager reads from Redis: the models the jobs held by this machine's workers require
 * (what must not be evicted) and the namespace's demand forecast (what is worth keeping). Read-only.
 */
final class FleetView {
  private static final Logger LOG = LoggerFactory.getLogger(FleetView.class);
  private final BrokerStore store;
  private final String machineId;
  private final int demandHours;

  FleetView(BrokerStore store, String machineId, int demandHours) {
    this.store = store;
    this.machineId = machineId;
    this.demandHours = demandHours;
  }

  /** Model → number of jobs held by this machine's workers that require it; fails when Redis cannot tell. */
  Future<Map<String, Integer>> heldModels() {
    return store.workers(machineId).compose(workers -> {
      Set<String> jobs = new HashSet<>();
      workers.forEach(w -> {
        if (((JsonObject) w).getValue("jobs") instanceof JsonArray ids) {
          ids.forEach(id -> jobs.add(String.valueOf(id)));
        }
      });
      return store.jobModels(jobs);
    }).map(byJob -> {
      Map<String, Integer> counts = new HashMap<>();
      byJob.values().forEach(models -> models.stream().distinct().forEach(m -> counts.merge(m, 1, Integer::sum)));
      return counts;
    });
  }

  /** Forecast jobs/hour per model ({@link Eviction#forecast}); empty (last use decides) when unreadable. */
  Future<Map<String, Double>> forecast() {
    return store.models(demandHours)
      .map(doc -> Eviction.forecast(doc.getJsonObject("demand"), doc.getLong("now", System.currentTimeMillis()),
        demandHours, ModelsConfig.ALPHA))
      .recover(e -> {
        LOG.info("models: no demand history ({}); evicting by last use", LogSafe.of(e.getMessage()));
        return Future.succeededFuture(Map.of());
      });
  }
}
