package io.emp.supervisor.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.config.EnvConfig;
import io.emp.core.events.BrokerEvent;
import io.emp.supervisor.SupervisorVerticle;
import io.emp.testkit.PrometheusText;
import io.emp.testkit.RedisExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The model manager inside a running supervisor: commands through the machine command stream. */
class SupervisorModelsTest extends ModelsTestBase {

  private SupervisorVerticle startSupervisor() throws Exception {
    Files.writeString(dir.resolve("catalog.json"), new JsonObject(catalog).encode());
    Files.writeString(dir.resolve("machine.json"), "{\"services\": {}}");
    Map<String, String> m = new HashMap<>(env);
    m.put("EMP_REDIS_URL", RedisExtension.shared().url());
    m.put("EMP_NAMESPACE", keys.namespace());
    m.put("EMP_MACHINE_ID", MACHINE);
    m.put("EMP_MACHINE_SPEC", dir.resolve("machine.json").toString());
    m.put("EMP_RUN_DIR", dir.resolve("run").toString());
    m.put("EMP_SUPERVISOR_HEALTH_PORT", "0");
    m.put("EMP_STATUS_INTERVAL_MS", "60000");
    m.put("EMP_STATUS_DEBOUNCE_MS", "100");
    m.put("EMP_GPUS", "0");
    m.put("EMP_WORKER_MODE", "inprocess");
    m.put("EMP_CONNECTORS", "simulation");
    m.put("EMP_DRAIN_GRACE_MS", "500");
    m.put("EMP_WORKER_CAPABILITIES", "{\"tier\": \"test\"}");
    m.put("EMP_MODELS_BANDWIDTH_BPS", "100000000");
    SupervisorVerticle supervisor = new SupervisorVerticle(EnvConfig.of(m));
    await(vertx.deployVerticle(supervisor));
    eventually("phase ready", 30_000, () -> "ready".equals(supervisor.phase()));
    return supervisor;
  }

  private BrokerEvent result(String commandId) {
    eventually("result of " + commandId, 20_000, () -> resultOrNull(commandId) != null);
    return resultOrNull(commandId);
  }

  private BrokerEvent resultOrNull(String commandId) {
    return events("machine.command_result").stream().filter(e -> commandId.equals(e.fields().get("command_id")))
      .findFirst().orElse(null);
  }

  private JsonObject statusDoc() {
    return await(registry.machines(MACHINE)).getJsonObject(0).getJsonObject("doc");
  }

  @Test
  @DisplayName("prefetch_model and evict_model through Redis: results as command_result, inventory in emp_models and the status")
  void commandsEndToEnd() throws Exception {
    byte[] body = model("sdxl", 50_000);
    model("slow", 20_000);
    server.delay("slow", 5_000); // long past the evict and the unknown prefetch queued behind it (result() waits 20 s)
    SupervisorVerticle supervisor = startSupervisor();

    String prefetch = await(registry.command(MACHINE, "prefetch_model", new JsonObject().put("name", "sdxl")));
    BrokerEvent done = result(prefetch);
    assertThat(done.fields()).containsEntry("ok", "true").containsEntry("command", "prefetch_model");
    JsonObject outcome = new JsonObject(done.fields().get("result"));
    assertThat(outcome.getString("outcome")).isEqualTo("downloaded");
    assertThat(outcome.getString("sha256")).isEqualTo(sha256(body));
    assertThat(Files.readAllBytes(dir.resolve("models/sdxl"))).isEqualTo(body);
    JsonObject inv = await(store.models(1)).getJsonObject("machines").getJsonObject(MACHINE).getJsonObject("inventory");
    assertThat(inv.getJsonArray("models").getJsonObject(0).getString("name")).isEqualTo("sdxl");
    assertThat(inv.getJsonArray("models").getJsonObject(0).getLong("bytes")).isEqualTo(50_000L);
    assertThat(holders("sdxl")).containsExactly(MACHINE);
    // (an empty models array comes back from emp_machines as {}: Lua's cjson cannot tell them apart)
    eventually("the status document lists the model", 5_000,
      () -> statusDoc().getValue("models") instanceof JsonArray a && a.size() == 1);
    assertThat(statusDoc().getJsonObject("model_manager").getLong("used_bytes")).isEqualTo(50_000L);

    // the workers advertise downloads (operator capabilities kept, the cap as their download rate)
    JsonObject caps = await(store.workers(MACHINE)).getJsonObject(0).getJsonObject("capabilities");
    assertThat(caps.getBoolean("model_downloads")).isTrue();
    assertThat(caps.getLong("download_bytes_per_s")).isEqualTo(100_000_000L);
    assertThat(caps.getString("tier")).isEqualTo("test");

    // a slow download does not hold back the commands queued after it
    String slow = await(registry.command(MACHINE, "prefetch_model", new JsonObject().put("name", "slow")));
    String evict = await(registry.command(MACHINE, "evict_model", new JsonObject().put("name", "sdxl")));
    String unknown = await(registry.command(MACHINE, "prefetch_model", new JsonObject().put("name", "ghost")));
    BrokerEvent evicted = result(evict);
    assertThat(resultOrNull(slow)).as("the slow prefetch is still downloading").isNull();
    assertThat(new JsonObject(evicted.fields().get("result")).getString("outcome")).isEqualTo("evicted");
    assertThat(new JsonObject(result(unknown).fields().get("result")).getString("error")).contains("not in this machine's catalog");
    assertThat(result(slow).fields()).containsEntry("ok", "true");
    assertThat(holders("sdxl")).isEmpty();
    assertThat(holders("slow")).containsExactly(MACHINE);
    assertThat(dir.resolve("models/sdxl")).doesNotExist();

    HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
      + supervisor.healthPort() + "/status")).build(), HttpResponse.BodyHandlers.ofString());
    JsonArray models = new JsonObject(status.body()).getJsonArray("models");
    assertThat(models.stream().map(o -> ((JsonObject) o).getString("name")).toList()).isEqualTo(List.of("slow"));

    // the model manager's meters on /metrics (docs/metrics.md), valid for promtool
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
      + supervisor.healthPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    for (String name : PrometheusText.documented("supervisor")) {
      if (name.startsWith("emp_model_")) {
        assertThat(PrometheusText.serves(metrics, name)).as("docs/metrics.md names " + name).isTrue();
      }
    }
    assertThat(sample(metrics, "emp_model_downloads_total{result=\"ok\"}")).isGreaterThanOrEqualTo(2);
    assertThat(sample(metrics, "emp_model_download_bytes_total")).isGreaterThanOrEqualTo(70_000);
    assertThat(sample(metrics, "emp_model_evictions_total{reason=\"command\"}")).isGreaterThanOrEqualTo(1);
    assertThat(PrometheusText.malformed(metrics)).isEmpty();
    var problems = PrometheusText.promtoolProblems(metrics);
    if (problems != null) {
      assertThat(problems).as("promtool check metrics").isEmpty();
    }
  }

  /** The value of the sample line that starts with {@code series} (name and labels as written). */
  private static double sample(String metrics, String series) {
    return metrics.lines().filter(l -> l.startsWith(series + " "))
      .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim().split(" ")[0]))
      .findFirst().orElseThrow(() -> new AssertionError("no sample " + series + " in /metrics"));
  }
}
