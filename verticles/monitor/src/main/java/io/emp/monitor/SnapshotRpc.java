package io.emp.monitor;

import io.emp.api.ApiError;
import io.emp.api.Operations;
import io.emp.core.bus.Addresses;
import io.emp.core.events.BrokerEvent;
import io.emp.core.model.Job;
import io.emp.core.store.BrokerStore;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code emp.monitor.snapshot}: the reads of the page (docs/monitor.md#snapshot-rpc) — the whole
 * state with the stream id it is consistent with, the fleet alone (presence changes are silences, not
 * events, so the page re-reads it), the chart history, and one job's details.
 */
final class SnapshotRpc {
  private final BrokerStore store;
  private final Operations ops;
  private final StatsHistory history;
  private final OperatorToken token;
  private final RoutingRequirements requirements;
  private final int active;
  private final int finished;
  private MessageConsumer<Object> consumer;

  SnapshotRpc(BrokerStore store, Operations ops, StatsHistory history, OperatorToken token, int active, int finished) {
    this.store = store;
    this.ops = ops;
    this.history = history;
    this.token = token;
    this.requirements = new RoutingRequirements(store.redis(), store.keys());
    this.active = active;
    this.finished = finished;
  }

  Future<Void> register(EventBus bus) {
    consumer = bus.<Object>localConsumer(Addresses.MONITOR_SNAPSHOT).handler(m -> Rpc.serve(m, token, io.emp.core.auth.Scope.READ, (body, who) -> handle(body)));
    return consumer.completion();
  }

  Future<Void> unregister() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  Future<?> handle(JsonObject body) {
    Object kind = body.getValue("kind", "state");
    if ("state".equals(kind)) {
      return state();
    }
    if ("fleet".equals(kind)) {
      return fleet();
    }
    if ("history".equals(kind)) {
      Object w = body.getValue("window_s", 3600);
      if (!(w instanceof Number n) || n.longValue() < 60 || n.longValue() > 86_400) {
        throw ApiError.invalid("window_s", "must be a number of seconds 60-86400");
      }
      return Future.succeededFuture(history.window(System.currentTimeMillis(), n.longValue()));
    }
    if ("job".equals(kind)) {
      Object id = body.getValue("id");
      if (!(id instanceof String s) || s.isBlank()) {
        throw ApiError.invalid("id", "is required (a job id)");
      }
      return job(s);
    }
    throw ApiError.invalid("kind", "must be state, fleet, history or job");
  }

  private Future<JsonObject> state() {
    return store.snapshot(active, finished).map(s -> {
      JsonArray jobs = new JsonArray();
      for (Job j : s.jobs()) {
        jobs.add(j.toJson());
      }
      return fleetView(s)
        .put("jobs", jobs)
        .put("limits", new JsonObject().put("active", active).put("finished", finished));
    });
  }

  /** Machines, workers and stats without jobs (the smallest job limits; the few jobs read are dropped). */
  private Future<JsonObject> fleet() {
    return store.snapshot(1, 1).map(SnapshotRpc::fleetView);
  }

  private static JsonObject fleetView(BrokerStore.Snapshot s) {
    JsonArray workers = Operations.normalizedWorkers(s.workers());
    JsonArray machines = new JsonArray();
    for (Object o : s.machines()) {
      JsonObject m = (JsonObject) o;
      JsonArray own = new JsonArray();
      workers.forEach(w -> {
        if (m.getString("id").equals(((JsonObject) w).getString("machine"))) {
          own.add(w);
        }
      });
      JsonObject view = Operations.machineView(m, own);
      if (!(view.getValue("workers") instanceof JsonArray)) {
        view.put("workers", new JsonArray());
      }
      machines.add(view);
    }
    return new JsonObject()
      .put("event_id", s.eventId())
      .put("now", System.currentTimeMillis())
      .put("stats", s.stats())
      .put("machines", machines)
      .put("workers", workers);
  }

  private Future<JsonObject> job(String id) {
    return ops.job(id).compose(job -> Future.all(store.explain(id), ops.history(job), requirements.of(job.signature()))
      .map(all -> {
        JsonObject explain = all.resultAt(0);
        if (!(explain.getValue("workers") instanceof JsonArray)) {
          explain.put("workers", new JsonArray());
        }
        JsonArray events = new JsonArray();
        for (BrokerEvent e : all.<java.util.List<BrokerEvent>>resultAt(1)) {
          events.add(e.toJson());
        }
        return new JsonObject().put("job", job.toJson()).put("requirements", all.resultAt(2))
          .put("explain", explain).put("events", events);
      }));
  }
}
