package io.emp.router;

import io.emp.core.LogSafe;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.MachineRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link PlacementPlan} round: reads {@code emp_models}, issues the decisions as
 * {@code prefetch_model} / {@code evict_model} commands on the machines' command streams and
 * records each as a {@code machine.placement} event. Remembers what it issued for the cooldown so a
 * slow download is not asked for again every round.
 */
final class PlacementPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(PlacementPlanner.class);
  private final BrokerStore store;
  private final MachineRegistry machines;
  private final RouterConfig.PlacementConfig config;
  private final Map<String, Long> issued = new HashMap<>();
  private final Counter prefetches;
  private final Counter evictions;

  PlacementPlanner(BrokerStore store, MachineRegistry machines, RouterConfig.PlacementConfig config, MeterRegistry registry) {
    this.store = store;
    this.machines = machines;
    this.config = config;
    this.prefetches = Counter.builder("emp_placement_commands_total").tag("action", "prefetch")
      .description("Model placement commands issued by the router").register(registry);
    this.evictions = Counter.builder("emp_placement_commands_total").tag("action", "evict")
      .description("Model placement commands issued by the router").register(registry);
  }

  /** One round; completes with the decisions issued (refused ones are logged and skipped). */
  Future<List<PlacementPlan.Decision>> round() {
    long now = System.currentTimeMillis();
    issued.values().removeIf(t -> now - t >= config.cooldownMs());
    return store.models(config.hours()).compose(doc -> {
      List<PlacementPlan.Decision> plan = PlacementPlan.compute(doc, config, issued.keySet());
      Future<Void> chain = Future.succeededFuture();
      for (PlacementPlan.Decision d : plan) {
        chain = chain.compose(v -> issue(d, now));
      }
      return chain.map(v -> plan);
    });
  }

  private Future<Void> issue(PlacementPlan.Decision d, long now) {
    String command = d.action().equals("prefetch") ? "prefetch_model" : "evict_model";
    return machines.command(d.machine(), command, new JsonObject().put("name", d.model()))
      .compose(id -> {
        issued.put(d.key(), now);
        (d.action().equals("prefetch") ? prefetches : evictions).increment();
        LOG.info("placement: {} {} on {} ({})", d.action(), LogSafe.of(d.model()), LogSafe.of(d.machine()), d.reason());
        return machines.event(d.machine(), "machine.placement", new JsonObject()
          .put("action", d.action()).put("model", d.model()).put("pool", d.pool())
          .put("forecast", String.format("%.2f", d.forecast())).put("reason", d.reason()).put("command_id", id));
      })
      .recover(e -> {
        LOG.warn("placement: {} {} on {} refused: {}", d.action(), LogSafe.of(d.model()), LogSafe.of(d.machine()),
          LogSafe.of(e.getMessage()));
        return Future.succeededFuture();
      });
  }
}
