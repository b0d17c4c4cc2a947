package io.emp.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.api.ApiVerticle;
import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.events.BrokerEvent;
import io.emp.core.model.JobStatus;
import io.emp.core.model.JobSubmission;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.MachineRegistry;
import io.emp.testkit.RedisExtension;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor end to end: real child processes, real Redis, commands through the real api. */
@ExtendWith(RedisExtension.class)
class SupervisorVerticleTest {
  private static final String MACHINE = "sup-test";
  private static final String TOKEN = "t";
  @TempDir
  Path dir;
  private Vertx vertx;
  private Redis redis;
  private Keys keys;
  private BrokerStore store;
  private MachineRegistry machines;
  private final HttpClient http = HttpClient.newHttpClient();
  private SupervisorVerticle supervisor;
  private String supervisorDeployment;
  private int apiPort;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, RedisExtension.shared().url(), 4);
    keys = new Keys(RedisExtension.freshNamespace().value());
    store = new BrokerStore(redis, keys);
    machines = new MachineRegistry(redis, keys);
    Path svc = dir.resolve("svc.sh");
    Files.writeString(svc, """
      #!/usr/bin/env bash
      trap 'echo "$1 stopping"; exit 0' TERM
      echo "$1 ready on pid $$"
      while true; do sleep 0.2; done
      """);
    Files.setPosixFilePermissions(svc, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dir.resolve("machine.yaml"), """
      services:
        web:
          command: ["%1$s", "web"]
          readiness: {log: "web ready"}
          restart: {policy: always, backoff_initial_ms: 100}
          stop: {grace_ms: 2000}
        backend:
          command: ["%1$s", "backend"]
          depends_on: [web]
          readiness: {log: "backend ready"}
          stop: {grace_ms: 2000}
      """.formatted(svc));
  }

  @AfterEach
  void tearDown() {
    if (supervisorDeployment != null && vertx.deploymentIDs().contains(supervisorDeployment)) {
      await(vertx.undeploy(supervisorDeployment));
    }
    await(vertx.close());
  }

  private Map<String, String> env() {
    Map<String, String> m = new HashMap<>();
    m.put("EMP_REDIS_URL", RedisExtension.shared().url());
    m.put("EMP_NAMESPACE", keys.namespace());
    m.put("EMP_MACHINE_ID", MACHINE);
    m.put("EMP_MACHINE_SPEC", dir.resolve("machine.yaml").toString());
    m.put("EMP_RUN_DIR", dir.resolve("run").toString());
    m.put("EMP_SUPERVISOR_HEALTH_PORT", "0");
    m.put("EMP_STATUS_INTERVAL_MS", "60000");
    m.put("EMP_STATUS_DEBOUNCE_MS", "200");
    m.put("EMP_GPUS", "0");
    m.put("EMP_WORKER_MODE", "inprocess");
    m.put("EMP_CONNECTORS", "simulation");
    m.put("EMP_DRAIN_GRACE_MS", "500");
    m.put("EMP_HEARTBEAT_MS", "500");
    m.put("EMP_LEASE_MS", "2000");
    m.put("EMP_POOL", "fast");
    return m;
  }

  private void startSupervisor() {
    supervisor = new SupervisorVerticle(EnvConfig.of(env()));
    supervisorDeployment = await(vertx.deployVerticle(supervisor));
    eventually("phase ready", 30_000, () -> "ready".equals(supervisor.phase()));
    eventually("the ready machine published", 10_000, () -> {
      JsonObject m = machine();
      return "ready".equals(m.getString("phase")) && "ready".equals(service(m, "web").getString("state"))
        && "ready".equals(service(m, "backend").getString("state"));
    });
  }

  private void startApi() {
    Map<String, String> env = new HashMap<>(env());
    env.put("EMP_API_PORT", "0");
    env.put("EMP_API_TOKEN", TOKEN);
    ApiVerticle api = ApiVerticle.fromEnv(EnvConfig.of(env));
    await(vertx.deployVerticle(api));
    apiPort = api.actualPort();
  }

  private JsonObject machine() {
    JsonArray all = await(machines.machines(MACHINE));
    return all.isEmpty() ? new JsonObject() : all.getJsonObject(0);
  }

  private JsonObject service(JsonObject machine, String name) {
    for (Object o : machine.getJsonObject("doc", new JsonObject()).getJsonArray("services", new JsonArray())) {
      JsonObject s = (JsonObject) o;
      if (name.equals(s.getString("name"))) {
        return s;
      }
    }
    return new JsonObject();
  }

  private List<BrokerEvent> events(String type) {
    Response r = await(redis.send(Request.cmd(Command.XRANGE).arg(keys.events()).arg("-").arg("+")));
    List<BrokerEvent> out = new ArrayList<>();
    for (Response e : r) {
      BrokerEvent be = BrokerEvent.fromEntry(e);
      if (be.type().equals(type)) {
        out.add(be);
      }
    }
    return out;
  }

  private HttpResponse<String> api(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
      .header("Authorization", "Bearer " + TOKEN).method(method, HttpRequest.BodyPublishers.noBody()).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("the machine comes up in dependency order and is visible in Redis with its services, workers and host")
  void statusInRedis() throws Exception {
    startSupervisor();
    JsonObject m = machine();
    assertThat(m.getString("status")).isEqualTo("online");
    assertThat(m.getString("phase")).isEqualTo("ready");
    assertThat(m.getString("pool")).isEqualTo("fast");
    JsonObject doc = m.getJsonObject("doc");
    assertThat(service(m, "web").getString("state")).isEqualTo("ready");
    assertThat(service(m, "backend").getString("state")).isEqualTo("ready");
    assertThat(doc.getJsonObject("host").getInteger("cpus")).isPositive();
    assertThat(doc.getJsonArray("workers").getJsonObject(0).getString("id")).isEqualTo(MACHINE + "-worker-0");
    assertThat(events("machine.phase").stream().map(e -> e.fields().get("phase")).toList())
      .containsSubsequence("starting", "ready");
    HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
      + supervisor.healthPort() + "/status")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(status.body()).getJsonArray("services")).hasSize(2);
    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
      + supervisor.healthPort() + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
  }

  @Test
  @DisplayName("a crash of a service is restarted and the status document shows it within a second")
  void changeWithinASecond() {
    startSupervisor();
    long pid = service(machine(), "web").getLong("pid");
    int before = events("machine.status").size();
    long killedAt = System.currentTimeMillis();
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    eventually("a machine.status event after the crash", 5_000, () -> events("machine.status").size() > before);
    BrokerEvent first = events("machine.status").get(before);
    assertThat(first.timestamp() - killedAt).as("first status event after the crash").isLessThan(1_000);
    eventually("web restarted", 10_000, () -> {
      JsonObject web = service(machine(), "web");
      return "ready".equals(web.getString("state")) && web.getLong("pid", pid) != pid;
    });
    assertThat(service(machine(), "web").getInteger("restarts")).isEqualTo(1);
  }

  @Test
  @DisplayName("restart_service through the api restarts exactly that service; logs come back through the api")
  void restartServiceThroughApi() throws Exception {
    startSupervisor();
    startApi();
    long webPid = service(machine(), "web").getLong("pid");
    long backendPid = service(machine(), "backend").getLong("pid");
    HttpResponse<String> r = api("POST", "/api/machines/" + MACHINE + "/services/backend/restart");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String commandId = new JsonObject(r.body()).getString("command_id");
    eventually("backend restarted", 10_000, () -> {
      JsonObject b = service(machine(), "backend");
      return "ready".equals(b.getString("state")) && b.getLong("pid", backendPid) != backendPid;
    });
    assertThat(service(machine(), "web").getLong("pid")).isEqualTo(webPid);
    eventually("command result", 5_000, () -> events("machine.command_result").stream()
      .anyMatch(e -> commandId.equals(e.fields().get("command_id")) && "true".equals(e.fields().get("ok"))));

    HttpResponse<String> logs = api("GET", "/api/machines/" + MACHINE + "/services/backend/logs?lines=20");
    assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);
    assertThat(new JsonObject(logs.body()).getJsonArray("lines").encode()).contains("backend ready", "backend stopping");
    assertThat(api("POST", "/api/machines/" + MACHINE + "/services/nope/restart").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("drain: workers stop claiming and release their jobs (no attempt burned), services stop, draining then stopped")
  void drain() throws Exception {
    startSupervisor();
    startApi();
    String id = await(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "simulation")
      .put("payload", new JsonObject().put("duration_ms", 60_000)), 1 << 20))).id();
    eventually("job running", 10_000, () -> await(store.getJob(id)).status() == JobStatus.RUNNING);
    assertThat(api("POST", "/api/machines/" + MACHINE + "/drain").statusCode()).isEqualTo(202);
    eventually("phase stopped", 20_000, () -> "stopped".equals(supervisor.phase()));
    var job = await(store.getJob(id));
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.losses()).isZero();
    // the phase reaches Redis through the status publisher, after the in-memory phase changed
    eventually("phase stopped in Redis", 10_000, () -> events("machine.phase").stream()
      .anyMatch(e -> "stopped".equals(e.fields().get("phase"))));
    assertThat(events("machine.phase").stream().map(e -> e.fields().get("phase")).toList())
      .containsSubsequence("ready", "draining", "stopped");
    eventually("services stopped in the status document", 5_000,
      () -> "stopped".equals(service(machine(), "web").getString("state")));
    assertThat(await(store.workers(MACHINE)).getJsonObject(0).getString("status")).isEqualTo("left");
  }

  @Test
  @DisplayName("restart_machine drains, stops everything and bootstraps again in the same process")
  void restartMachine() throws Exception {
    startSupervisor();
    long webPid = service(machine(), "web").getLong("pid");
    String id = await(machines.command(MACHINE, "restart_machine", new JsonObject()));
    eventually("restarted and ready", 30_000, () -> {
      JsonObject m = machine();
      return "ready".equals(m.getString("phase")) && service(m, "web").getLong("pid", webPid) != webPid
        && "ready".equals(service(m, "backend").getString("state"));
    });
    assertThat(events("machine.phase").stream().map(e -> e.fields().get("phase")).toList())
      .containsSubsequence("ready", "draining", "stopped", "starting", "ready");
    eventually("command ok", 5_000, () -> events("machine.command_result").stream()
      .anyMatch(e -> id.equals(e.fields().get("command_id")) && "true".equals(e.fields().get("ok"))));
  }

  @Test
  @DisplayName("unknown service names in commands fail with the known ones; a bad spec stops the supervisor with the reason")
  void errors() throws Exception {
    startSupervisor();
    String id = await(machines.command(MACHINE, "restart_service", new JsonObject().put("service", "ghost")));
    eventually("failed result", 5_000, () -> events("machine.command_result").stream()
      .anyMatch(e -> id.equals(e.fields().get("command_id")) && "false".equals(e.fields().get("ok"))
        && e.fields().get("result").contains("web")));
    Files.writeString(dir.resolve("bad.yaml"), "services:\n  x:\n    command: \"rm -rf /\"\n");
    Map<String, String> env = new HashMap<>(env());
    env.put("EMP_MACHINE_SPEC", dir.resolve("bad.yaml").toString());
    env.put("EMP_MACHINE_ID", "other");
    assertThatThrownBy(() -> await(vertx.deployVerticle(new SupervisorVerticle(EnvConfig.of(env)))))
      .hasMessageContaining("services.x.command");
  }

  private static void eventually(String what, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + timeoutMs + " ms: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
    }
  }
}
