package io.emp.api;

import io.vertx.core.eventbus.EventBus;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /ws/client}: upgrades an authenticated request to a {@link ClientSocket}. */
final class ClientSockets {
  static final String PATH = "/ws/client";
  private final Jobs jobs;
  private final EventBus bus;
  private final ApiMetrics metrics;
  private final long messageLimit;

  ClientSockets(Jobs jobs, EventBus bus, ApiMetrics metrics, long messageLimit) {
    this.messageLimit = messageLimit;
    this.jobs = jobs;
    this.bus = bus;
    this.metrics = metrics;
  }

  void upgrade(RoutingContext rc) {
    if (!"websocket".equalsIgnoreCase(rc.request().getHeader("Upgrade"))) {
      throw new ApiError(400, "INVALID", "Upgrade", "this endpoint speaks WebSocket only");
    }
    rc.request()
      .toWebSocket()
      .onSuccess(ws -> new ClientSocket(ws, jobs, bus, metrics, TokenAuth.principal(rc), messageLimit).start())
      .onFailure(rc::fail);
  }
}
