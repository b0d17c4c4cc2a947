package io.emp.core.events;

import io.emp.core.bus.Addresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/**
 * Fans broker events out on this process's event bus: {@code emp.events.jobs} (and the per-job
 * address {@code emp.events.job.<id>}), {@code emp.events.workers}, {@code emp.events.machines}.
 * Delivery is local only: each process runs its own tailer.
 */
public final class EventPublisher {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private final EventBus bus;

  public EventPublisher(EventBus bus) {
    this.bus = bus;
  }

  public void publish(BrokerEvent e) {
    var json = e.toJson();
    if (e.isJobEvent()) {
      bus.publish(Addresses.EVENTS_JOBS, json, LOCAL);
      bus.publish(Addresses.job(e.job()), json, LOCAL);
    } else if (e.type().startsWith("worker.")) {
      bus.publish(Addresses.EVENTS_WORKERS, json, LOCAL);
    } else if (e.type().startsWith("machine.")) {
      bus.publish(Addresses.EVENTS_MACHINES, json, LOCAL);
    }
  }
}
