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
import java.util.List;
import java.util.regex.Pattern;

/**
 * The machine registry and remote control, shared by the HTTP routes ({@link MachineRoutes}) and the
 * monitor's command RPC. Machines sit behind NAT: a command is queued on the machine's command stream
 * in Redis (through the function library, which refuses unknown and offline machines), its supervisor
 * executes it and reports the outcome as a {@code machine.command_result} event. Arguments are
 * validated here; every refusal is an {@link ApiError} (or a broker refusal) naming the field.
 */
final class MachineOps {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  static final int MAX_LINES = 5_000;
  static final int DEFAULT_LINES = 100;
  private static final List<String> PRESENCE = List.of("online", "stale", "offline", "left");

  private final Vertx vertx;
  private final BrokerStore store;
  private final MachineRegistry machines;
  private final long commandTimeoutMs;

  MachineOps(Vertx vertx, BrokerStore store, MachineRegistry machines, long commandTimeoutMs) {
    this.vertx = vertx;
    this.store = store;
    this.machines = machines;
    this.commandTimeoutMs = commandTimeoutMs;
  }

  /** Machines with their status documents and the registry's workers of each ({@code id} null = all). */
  Future<JsonArray> list(String id) {
    if (id != null && !NAME.matcher(id).matches()) {
      return Future.failedFuture(unknownMachine(id));
    }
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
        withPresence(m, own);
        out.add(m);
      }
      return out;
    });
  }

  /** One machine, or 404. */
  Future<JsonObject> get(String id) {
    return checked(id).compose(this::list).map(all -> {
      if (all.isEmpty()) {
        throw unknownMachine(id);
      }
      return all.getJsonObject(0);
    });
  }

  /** Removes a machine that is not online, with its idle workers. */
  Future<JsonObject> delete(String id) {
    return checked(id).compose(machines::delete)
      .map(n -> new JsonObject().put("id", id).put("deleted", true).put("workers_removed", n));
  }

  /** A machine-wide command ({@code restart_machine}, {@code drain}). */
  Future<JsonObject> command(String id, String command) {
    return checked(id).compose(v -> machines.command(id, command, new JsonObject()))
      .map(cid -> accepted(cid, command, id));
  }

  /** A service command ({@code restart_service}, {@code stop_service}, {@code start_service}). */
  Future<JsonObject> serviceCommand(String id, String service, String command) {
    return checked(id).compose(v -> checkedService(service)).compose(v -> knownService(id, service))
      .compose(v -> machines.command(id, command, new JsonObject().put("service", service)))
      .map(cid -> accepted(cid, command, id));
  }

  /** Asks the supervisor for the last lines of a service's log and waits for its answer. */
  Future<JsonObject> logs(String id, String service, int lines) {
    if (lines < 1 || lines > MAX_LINES) {
      return Future.failedFuture(ApiError.invalid("lines", "must be an integer 1-" + MAX_LINES));
    }
    Promise<JsonObject> result = Promise.promise();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.EVENTS_MACHINES);
    Future<String> sent = checked(id).compose(v -> checkedService(service)).compose(v -> knownService(id, service))
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
    return result.future()
      .eventually(() -> {
        vertx.cancelTimer(timer);
        return consumer.unregister();
      })
      .map(e -> logAnswer(id, service, e));
  }

  /** Parses the {@code lines} parameter: absent = {@value #DEFAULT_LINES}. */
  static int lines(String param) {
    if (param == null || param.isBlank()) {
      return DEFAULT_LINES;
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

  private static JsonObject logAnswer(String machine, String service, JsonObject event) {
    JsonObject result = new JsonObject(event.getString("result", "{}"));
    if (!"true".equals(event.getString("ok"))) {
      throw new ApiError(409, "COMMAND_FAILED", "service", result.getString("error", "the supervisor refused the command"));
    }
    return new JsonObject().put("machine", machine).put("service", service)
      .put("lines", result.getJsonArray("lines", new JsonArray()));
  }

  private static JsonObject accepted(String commandId, String command, String machine) {
    return new JsonObject().put("command_id", commandId).put("command", command).put("machine", machine)
      .put("status", "queued");
  }

  /** Lists are always arrays; a machine without a supervisor is as alive as its most alive worker. */
  static void withPresence(JsonObject m, JsonArray own) {
    if (!(m.getValue("doc") instanceof JsonObject)) {
      m.put("doc", new JsonObject());
    }
    if (!m.getBoolean("supervised", false) && !own.isEmpty()) {
      int best = PRESENCE.size() - 1;
      for (Object o : own) {
        int p = PRESENCE.indexOf(((JsonObject) o).getString("status"));
        if (p >= 0 && p < best) {
          best = p;
        }
      }
      m.put("status", PRESENCE.get(best));
    }
  }

  /** A service command needs a machine that reported that service (its supervisor's status document). */
  private Future<Void> knownService(String machine, String service) {
    return machines.machines(machine).map(all -> {
      if (all.isEmpty()) {
        throw unknownMachine(machine);
      }
      JsonObject doc = all.getJsonObject(0).getJsonObject("doc", new JsonObject());
      if (doc.getValue("services") instanceof JsonArray list) {
        for (Object s : list) {
          if (s instanceof JsonObject so && service.equals(so.getString("name"))) {
            return null;
          }
        }
      }
      throw new ApiError(404, "NOT_FOUND", "service", "machine " + machine + " has no service " + service);
    });
  }

  private static Future<String> checked(String id) {
    return id != null && NAME.matcher(id).matches() ? Future.succeededFuture(id) : Future.failedFuture(unknownMachine(id));
  }

  private static Future<Void> checkedService(String name) {
    return name != null && NAME.matcher(name).matches() ? Future.succeededFuture()
      : Future.failedFuture(new ApiError(404, "NOT_FOUND", "service", "no service " + name));
  }

  private static ApiError unknownMachine(String id) {
    return new ApiError(404, "NOT_FOUND", "id", "unknown machine " + id);
  }
}
