package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.store.MachineRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MachineRoutesTest extends ApiTestBase {
  private MachineRegistry machines;

  @Override
  Map<String, String> env() {
    Map<String, String> env = baseEnv(keys.namespace());
    env.put("EMP_COMMAND_TIMEOUT_MS", "3000");
    return env;
  }

  @BeforeEach
  void supervisor() {
    machines = new MachineRegistry(redis, keys);
    JsonObject doc = new JsonObject().put("machine_id", "m1").put("pool", "standard")
      .put("services", new JsonArray()
        .add(new JsonObject().put("name", "comfyui-gpu0").put("state", "ready"))
        .add(new JsonObject().put("name", "worker-gpu0").put("state", "ready")));
    await(machines.publishStatus("m1", doc, "ready", true));
    registerWorker("m1-worker-0", "m1", "comfyui");
  }

  private Response commands(String machine) {
    return await(redis.send(Request.cmd(Command.XRANGE).arg(keys.machineCommands(machine)).arg("-").arg("+")));
  }

  @Test
  @DisplayName("machines are listed with status, phase, status document and workers; unknown ones are 404")
  void listAndGet() {
    JsonObject m = get("/api/machines").bodyAsJsonObject().getJsonArray("machines").getJsonObject(0);
    assertThat(m.getString("id")).isEqualTo("m1");
    assertThat(m.getString("status")).isEqualTo("online");
    assertThat(m.getString("phase")).isEqualTo("ready");
    assertThat(m.getString("pool")).isEqualTo("standard");
    assertThat(m.getJsonObject("doc").getJsonArray("services")).hasSize(2);
    assertThat(m.getJsonArray("workers").getJsonObject(0).getString("id")).isEqualTo("m1-worker-0");
    assertThat(get("/api/machines/m1").bodyAsJsonObject().getString("id")).isEqualTo("m1");
    HttpResponse<?> missing = get("/api/machines/nope");
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a service restart is queued on the machine's command stream; unknown machine or service is 404")
  void serviceRestart() {
    HttpResponse<?> r = post("/api/machines/m1/services/comfyui-gpu0/restart");
    assertThat(r.statusCode()).isEqualTo(202);
    JsonObject body = ((io.vertx.core.buffer.Buffer) r.body()).toJsonObject();
    assertThat(body.getString("command")).isEqualTo("restart_service");
    Response cmds = commands("m1");
    assertThat(cmds.size()).isEqualTo(1);
    assertThat(cmds.get(0).get(0).toString()).isEqualTo(body.getString("command_id"));
    assertThat(cmds.get(0).get(1).toString()).contains("comfyui-gpu0");

    HttpResponse<?> unknownService = post("/api/machines/m1/services/ghost-gpu9/restart");
    assertThat(unknownService.statusCode()).isEqualTo(404);
    assertThat(((io.vertx.core.buffer.Buffer) unknownService.body()).toJsonObject().getJsonObject("error")
      .getString("field")).isEqualTo("service");
    assertThat(post("/api/machines/m9/services/comfyui-gpu0/restart").statusCode()).isEqualTo(404);
    assertThat(post("/api/machines/m1/drain").statusCode()).isEqualTo(202);
    assertThat(post("/api/machines/m1/restart").statusCode()).isEqualTo(202);
    assertThat(commands("m1").size()).isEqualTo(3);
  }

  @Test
  @DisplayName("logs are asked from the supervisor and its answer returned; no answer is 504")
  void logs() {
    // a stand-in supervisor: polls its command stream and answers the first tail_logs command once
    java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
    long poll = vertx.setPeriodic(20, t -> redis.send(Request.cmd(Command.XRANGE).arg(keys.machineCommands("m1")).arg("-").arg("+"))
      .onSuccess(r -> {
        if (r.size() > 0 && answered.compareAndSet(false, true)) {
          String id = r.get(0).get(0).toString();
          machines.commandDone("m1", id, "tail_logs", true, new JsonObject().put("lines", new JsonArray().add("a").add("b")));
        }
      }));
    HttpResponse<io.vertx.core.buffer.Buffer> r = await(request(HttpMethod.GET,
      "/api/machines/m1/services/comfyui-gpu0/logs?lines=2").send());
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getJsonArray("lines")).containsExactly("a", "b");
    assertThat(commands("m1").get(0).get(1).toString()).contains("\"lines\":2");
    vertx.cancelTimer(poll);

    HttpResponse<io.vertx.core.buffer.Buffer> silent = await(request(HttpMethod.GET,
      "/api/machines/m1/services/worker-gpu0/logs").send());
    assertThat(silent.statusCode()).isEqualTo(504);
    assertThat(get("/api/machines/m1/services/worker-gpu0/logs?lines=0").statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("an offline machine refuses commands with 409 and the reason; it can be deleted, an online one cannot")
  void offlineAndDelete() {
    assertThat(await(request(HttpMethod.DELETE, "/api/machines/m1").send()).statusCode()).isEqualTo(409);
    await(store.configure(Map.of("machine_stale_ms", 1000, "machine_offline_ms", 1000)));
    await(store.deregister("m1-worker-0"));
    await(redis.send(Request.cmd(Command.ZADD).arg(keys.prefix() + "machines").arg("1").arg("m1")));
    await(redis.send(Request.cmd(Command.HSET).arg(keys.prefix() + "machine:m1").arg("last_seen").arg("1")));
    HttpResponse<io.vertx.core.buffer.Buffer> r = await(request(HttpMethod.POST, "/api/machines/m1/drain").send());
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("offline");
    HttpResponse<io.vertx.core.buffer.Buffer> del = await(request(HttpMethod.DELETE, "/api/machines/m1").send());
    assertThat(del.statusCode()).as(del.bodyAsString()).isEqualTo(200);
    assertThat(del.bodyAsJsonObject().getInteger("workers_removed")).isEqualTo(1);
    assertThat(get("/api/machines").bodyAsJsonObject().getJsonArray("machines")).isEmpty();
  }
}
