package io.emp.core.store;

import io.emp.core.Keys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;
import java.util.List;

/**
 * The machine side of the function library (lua-scripts/emp/75_machines.lua): supervisors publish
 * status documents and events and report command outcomes; the api lists machines, queues commands
 * and deletes machines that are gone. Same reply and error conventions as {@link BrokerStore}.
 */
public final class MachineRegistry {
  private final Redis redis;
  private final Keys keys;

  public MachineRegistry(Redis redis, Keys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  public Keys keys() {
    return keys;
  }

  /**
   * Publishes the machine's full status document ({@code changed}: also as a {@code machine.status}
   * event); completes with the id of the last command this machine reported done ("" if none).
   */
  public Future<String> publishStatus(String machineId, JsonObject doc, String phase, boolean changed) {
    return call("emp_machine_status", List.of(machineId, doc.encode(), phase, changed ? "1" : "0"))
      .map(r -> r.get(1).toString());
  }

  /** Appends a {@code machine.<name>} lifecycle event with flat fields. */
  public Future<Void> event(String machineId, String type, JsonObject fields) {
    return call("emp_machine_event", List.of(machineId, type, fields.encode())).mapEmpty();
  }

  /** Queues a command for the machine's supervisor; completes with its id (the stream id). */
  public Future<String> command(String machineId, String command, JsonObject args) {
    return call("emp_machine_command", List.of(machineId, command, args == null ? "{}" : args.encode()))
      .map(r -> r.get(1).toString());
  }

  /** The supervisor's report of a command's outcome (appended as {@code machine.command_result}). */
  public Future<Void> commandDone(String machineId, String commandId, String command, boolean ok, JsonObject result) {
    return call("emp_machine_command_done", List.of(machineId, commandId, command, ok ? "1" : "0",
      result == null ? "{}" : result.encode())).mapEmpty();
  }

  /** Every machine (or one, by id) with derived status, phase, status document and worker ids. */
  /**
   * Reports the machine's model inventory (docs/pools-and-models.md#inventory-redis); completes with
   * the number of models added and removed since the last report.
   */
  public Future<int[]> publishModels(String machineId, JsonObject inventory) {
    return call("emp_machine_models", List.of(machineId, inventory.encode()))
      .map(r -> new int[] {r.get(1).toInteger(), r.get(2).toInteger()});
  }

  public Future<JsonArray> machines(String machineId) {
    return BrokerStore.send(redis, keys, Command.FCALL_RO, "emp_machines", List.of(machineId == null ? "" : machineId))
      .map(r -> new JsonArray(r.get(1).toString()));
  }

  /** Removes a machine that is not online, and its workers; completes with the number of workers removed. */
  public Future<Integer> delete(String machineId) {
    return call("emp_machine_delete", List.of(machineId)).map(r -> r.get(1).toInteger());
  }

  private Future<Response> call(String function, List<String> args) {
    return BrokerStore.send(redis, keys, Command.FCALL, function, args);
  }
}
