package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MachineRegistryTest extends StoreTestBase {
  private MachineRegistry machines;

  @BeforeEach
  void registry() {
    machines = new MachineRegistry(redis, keys);
  }

  private List<String> eventTypes() {
    return cmd("XRANGE", keys.events(), "-", "+").stream().map(e -> fieldsOf(e).get("type")).toList();
  }

  private static Map<String, String> fieldsOf(Response entry) {
    Map<String, String> m = new java.util.HashMap<>();
    Response f = entry.get(1);
    for (int i = 0; i + 1 < f.size(); i += 2) {
      m.put(f.get(i).toString(), f.get(i + 1).toString());
    }
    return m;
  }

  /** Polls m1's presence until it is no longer {@code current} (deadline 15 s) and returns the next one. */
  private String statusAfter(String current) {
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      String status = await(machines.machines("m1")).getJsonObject(0).getString("status");
      if (!status.equals(current) || System.currentTimeMillis() > deadline) {
        return status;
      }
      sleep(25);
    }
  }

  @Test
  @DisplayName("status documents are stored; phase changes and changes (not periodic refreshes) are events")
  void statusAndPhases() {
    JsonObject doc = new JsonObject().put("pool", "fast").put("services", new JsonArray());
    assertThat(await(machines.publishStatus("m1", doc, "starting", true))).isEmpty();
    await(machines.publishStatus("m1", doc, "starting", false));
    await(machines.publishStatus("m1", doc.copy().put("gpus", 2), "ready", true));
    assertThat(eventTypes()).containsExactly("machine.phase", "machine.status", "machine.phase", "machine.status");
    JsonObject m = await(machines.machines(null)).getJsonObject(0);
    assertThat(m.getString("id")).isEqualTo("m1");
    assertThat(m.getString("status")).isEqualTo("online");
    assertThat(m.getString("phase")).isEqualTo("ready");
    assertThat(m.getString("pool")).isEqualTo("fast");
    assertThat(m.getJsonObject("doc").getInteger("gpus")).isEqualTo(2);
    assertThat(m.getJsonArray("workers")).isEmpty();
    refused(machines.publishStatus("m1", doc, "exploding", false), BrokerError.INVALID);
  }

  @Test
  @DisplayName("commands go to a known online machine only; their results come back as events")
  void commands() {
    refused(machines.command("ghost", "drain", null), BrokerError.NOT_FOUND);
    await(machines.publishStatus("m1", new JsonObject(), "ready", false));
    refused(machines.command("m1", "format_disk", null), BrokerError.INVALID);
    String id = await(machines.command("m1", "restart_service", new JsonObject().put("service", "comfyui-gpu0")));
    Response cmds = cmd("XRANGE", keys.machineCommands("m1"), "-", "+");
    assertThat(cmds.size()).isEqualTo(1);
    assertThat(fieldsOf(cmds.get(0))).containsEntry("command", "restart_service");
    await(machines.commandDone("m1", id, "restart_service", true, new JsonObject().put("pid", 42)));
    assertThat(await(machines.publishStatus("m1", new JsonObject(), "ready", false))).isEqualTo(id);
    assertThat(eventTypes()).contains("machine.command", "machine.command_result");

    configure(Map.of("machine_stale_ms", 1000, "machine_offline_ms", 2000));
    cmd("ZADD", keys.prefix() + "machines", "1", "m1");
    cmd("HSET", keys.prefix() + "machine:m1", "last_seen", "1");
    BrokerException e = refused(machines.command("m1", "drain", null), BrokerError.ILLEGAL_STATE);
    assertThat(e.field()).isEqualTo("offline");
    assertThat(e.getMessage()).contains("offline");
  }

  @Test
  @DisplayName("a machine turns stale then offline when it goes quiet, and stays listed until deleted")
  void presenceAndDelete() {
    // wide windows (online < 0.5 s, stale 0.5-5 s, offline after 5 s): a stalled test thread cannot skip a state
    configure(Map.of("machine_stale_ms", 500, "machine_offline_ms", 5_000));
    await(machines.publishStatus("m1", new JsonObject(), "ready", false));
    register("m1-worker-0", caps("s"));
    refused(machines.delete("m1"), BrokerError.ILLEGAL_STATE);
    assertThat(statusAfter("online")).isEqualTo("stale");
    assertThat(statusAfter("stale")).isEqualTo("offline");
    JsonObject m = await(machines.machines(null)).getJsonObject(0);
    assertThat(m.getString("status")).isEqualTo("offline");
    assertThat(m.getJsonArray("workers")).containsExactly("m1-worker-0");
    assertThat(await(machines.delete("m1"))).isEqualTo(1);
    assertThat(await(machines.machines(null))).isEmpty();
    assertThat(await(store.workers(null))).isEmpty();
    refused(machines.delete("m1"), BrokerError.NOT_FOUND);
  }

  @Test
  @DisplayName("a machine whose worker still holds jobs cannot be deleted")
  void deleteBusy() {
    configure(Map.of("machine_stale_ms", 100, "machine_offline_ms", 100));
    register("w", caps("s"));
    submit("s");
    claimOne("w");
    sleep(150);
    await(machines.event("m1", "machine.startup_step", new JsonObject().put("step", "redis")));
    BrokerException e = refused(machines.delete("m1"), BrokerError.ILLEGAL_STATE);
    assertThat(e.field()).isEqualTo("busy");
  }
}
