package io.emp.api;

import io.emp.core.store.BrokerStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/workers}, {@code /api/stats}: read-only views of the namespace. */
final class FleetRoutes {
  private final BrokerStore store;

  FleetRoutes(BrokerStore store) {
    this.store = store;
  }

  void workers(RoutingContext rc) {
    Http.reply(rc, store.workers(null).map(w -> new JsonObject().put("workers", Machines.normalized(w))));
  }

  void stats(RoutingContext rc) {
    Http.reply(rc, Future.all(store.stats(), store.durations())
      .map(both -> StatsRollup.of(both.resultAt(0), both.resultAt(1))));
  }
}
