package io.emp.api;

import io.emp.core.bus.Addresses;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.MachineRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * The machine registry and remote control ({@code /api/machines/...}). Machines sit behind NAT: a
 * command is queued on the machine's command stream in Redis (through the function library, which
 * refuses unknown and offline machines), its supervisor executes it and reports the outcome as a
 * {@code machine.command_result} event. Commands answer 202 with the command id; the log tail waits
 * for its result.
 */
final class MachineRoutes {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final int MAX_LINES = 5_000;

  private final Vertx vertx;
  private final BrokerStore store;
  private final MachineRegistry machines;
  private final long commandTimeoutMs;

  MachineRoutes(Vertx vertx, BrokerStore store, MachineRegistry machines, long commandTimeoutMs) {
    this.vertx = vertx;
    this.store = store;
    this.machines = machines;
    this.commandTimeoutMs = commandTimeoutMs;
  }

  void list(RoutingContext rc) {
    Http.reply(rc, listed(null).map(all -> new JsonObject().put("machines", all)));
  }

  void get(RoutingContext rc) {
    String id = machineId(rc);
    Http.reply(rc, listed(id).map(all -> {
      if (all.isEmpty()) {
        throw unknownMachine(id);
      }
      return all.getJsonObject(0);
    }));
  }

  void delete(RoutingContext rc) {
    String id = machineId(rc);
    Http.reply(rc, machines.delete(id).map(n -> new JsonObject().put("id", id).put("deleted", true)
      .put("workers_removed", n)));
  }

  void restart(RoutingContext rc) {
    command(rc, "restart_machine", new JsonObject());
  }

  void drain(RoutingContext rc) {
    command(rc, "drain", new JsonObject());
  }

  void serviceCommand(RoutingContext rc, String command) {
    String id = machineId(rc);
    String service = serviceName(rc);
    Http.reply(rc, 202, knownService(id, service)
      .compose(v -> machines.command(id, command, new JsonObject().put("service", service)))
      .map(cid -> accepted(cid, command, id)));
  }

  /** Asks the supervisor for the last lines of a service's log and waits for its answer. */
  void logs(RoutingContext rc) {
    String id = machineId(rc);
    String service = serviceName(rc);
    int lines = lines(rc.request().getParam("lines"));
    Promise<JsonObject> result = Promise.promise();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.EVENTS_MACHINES);
    Future<String> sent = knownService(id, service)
      .compose(v -> consumer.completion())
      .compose(v -> machines.command(id, "tail_logs", new JsonObject().put("service", service).put("lines", lines)));
    consumer.handler(m -> sent.onSuccess(cid -> {
      JsonObject e = m.body();
      if ("machine.command_result".equals(e.getString("type")) && cid.equals(e.getString("command_id"))) {
        result.tryComplete(e);
      }
    }));
    long timer = vertx.setTimer(commandTimeoutMs, t -> result.tryFail(new ApiError(504, "TIMEOUT", "machine",
      "machine " + id + " did not answer within " + commandTimeoutMs + " ms")));
    sent.onFailure(result::tryFail);
    Http.reply(rc, result.future()
      .eventually(() -> {
        vertx.cancelTimer(timer);
        return consumer.unregister();
      })
      .map(e -> logAnswer(id, service, e)));
  }

  private static JsonObject logAnswer(String machine, String service, JsonObject event) {
    JsonObject result = new JsonObject(event.getString("result", "{}"));
    if (!"true".equals(event.getString("ok"))) {
      throw new ApiError(409, "COMMAND_FAILED", "service", result.getString("error", "the supervisor refused the command"));
    }
    return new JsonObject().put("machine", machine).put("service", service)
      .put("lines", result.getJsonArray("lines", new JsonArray()));
  }

  private void command(RoutingContext rc, String command, JsonObject args) {
    String id = machineId(rc);
    Http.reply(rc, 202, machines.command(id, command, args).map(cid -> accepted(cid, command, id)));
  }

  private static JsonObject accepted(String commandId, String command, String machine) {
    return new JsonObject().put("command_id", commandId).put("command", command).put("machine", machine)
      .put("status", "queued");
  }

  /** Machines with their status documents, and the registry's workers of each. */
  private Future<JsonArray> listed(String id) {
    return Future.all(machines.machines(id), store.workers(id)).map(both -> {
      JsonArray ms = both.resultAt(0);
      JsonArray workers = Machines.normalized(both.resultAt(1));
      JsonArray out = new JsonArray();
      for (Object o : ms) {
        JsonObject m = ((JsonObject) o).copy();
        JsonArray own = new JsonArray();
        workers.forEach(w -> {
          if (m.getString("id").equals(((JsonObject) w).getString("machine"))) {
            own.add(w);
          }
        });
        m.put("workers", own);
        if (!(m.getValue("doc") instanceof JsonObject)) {
          m.put("doc", new JsonObject());
        }
        if (!m.getBoolean("supervised", false) && !own.isEmpty()) {
          m.put("status", presenceOfWorkers(own)); // no supervisor: as alive as its most alive worker
        }
        out.add(m);
      }
      return out;
    });
  }

  private static final java.util.List<String> PRESENCE = java.util.List.of("online", "stale", "offline", "left");

  private static String presenceOfWorkers(JsonArray workers) {
    int best = PRESENCE.size() - 1;
    for (Object o : workers) {
      int p = PRESENCE.indexOf(((JsonObject) o).getString("status"));
      if (p >= 0 && p < best) {
        best = p;
      }
    }
    return PRESENCE.get(best);
  }

  /** A service command needs a machine that reported that service (its supervisor's status document). */
  private Future<Void> knownService(String machine, String service) {
    return machines.machines(machine).map(all -> {
      if (all.isEmpty()) {
        throw unknownMachine(machine);
      }
      JsonObject doc = all.getJsonObject(0).getJsonObject("doc", new JsonObject());
      Object services = doc.getValue("services");
      if (services instanceof JsonArray list) {
        for (Object s : list) {
          if (s instanceof JsonObject so && service.equals(so.getString("name"))) {
            return null;
          }
        }
      }
      throw new ApiError(404, "NOT_FOUND", "service", "machine " + machine + " has no service " + service);
    });
  }

  private static String machineId(RoutingContext rc) {
    String id = rc.pathParam("id");
    if (id == null || !NAME.matcher(id).matches()) {
      throw unknownMachine(id);
    }
    return id;
  }

  private static String serviceName(RoutingContext rc) {
    String name = rc.pathParam("name");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ApiError(404, "NOT_FOUND", "service", "no service " + name);
    }
    return name;
  }

  private static int lines(String param) {
    if (param == null || param.isBlank()) {
      return 100;
    }
    try {
      int n = Integer.parseInt(param.trim());
      if (n >= 1 && n <= MAX_LINES) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // fall through
    }
    throw ApiError.invalid("lines", "must be an integer 1-" + MAX_LINES);
  }

  private static ApiError unknownMachine(String id) {
    return new ApiError(404, "NOT_FOUND", "id", "unknown machine " + id);
  }
}
