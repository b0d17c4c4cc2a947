package io.emp.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /api/machines/...}: the HTTP face of {@link MachineOps}. Commands answer 202 with the
 * command id; the log tail waits for the supervisor's answer.
 */
final class MachineRoutes {
  private final MachineOps ops;

  MachineRoutes(MachineOps ops) {
    this.ops = ops;
  }

  void list(RoutingContext rc) {
    Http.reply(rc, ops.list(null).map(all -> new JsonObject().put("machines", all)));
  }

  void get(RoutingContext rc) {
    Http.reply(rc, ops.get(rc.pathParam("id")));
  }

  void delete(RoutingContext rc) {
    Http.reply(rc, ops.delete(rc.pathParam("id")));
  }

  void restart(RoutingContext rc) {
    Http.reply(rc, 202, ops.command(rc.pathParam("id"), "restart_machine"));
  }

  void drain(RoutingContext rc) {
    Http.reply(rc, 202, ops.command(rc.pathParam("id"), "drain"));
  }

  void serviceCommand(RoutingContext rc, String command) {
    Http.reply(rc, 202, ops.serviceCommand(rc.pathParam("id"), rc.pathParam("name"), command));
  }

  void logs(RoutingContext rc) {
    Http.reply(rc, ops.logs(rc.pathParam("id"), rc.pathParam("name"), MachineOps.lines(rc.request().getParam("lines"))));
  }
}
