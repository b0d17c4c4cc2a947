package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.emp.api.ApiVerticle;
import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.events.BrokerEvent;
import io.emp.core.redis.RedisClients;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.emp.supervisor.SupervisorVerticle;
import io.emp.testkit.RedisExtension;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A running broker for the CLI's tests, in this JVM against the testkit's real redis-server, in a fresh
 * namespace: the api, the router, and a machine {@value #MACHINE} run by a real supervisor — one stand-in
 * service {@code web} (a shell script that logs and traps SIGTERM) and two in-process simulation workers.
 * {@link #emp} runs a command line in-process through picocli and captures what it prints.
 */
final class CliFixture implements AutoCloseable {
  static final String TOKEN = "cli-test-token";
  static final String MACHINE = "cli-box";
  static final ObjectMapper JSON = new ObjectMapper();

  final String namespace = RedisExtension.freshNamespace().value();
  final Vertx vertx = Vertx.vertx();
  final Redis redis = RedisClients.create(vertx, RedisExtension.shared().url(), 4);
  private final Path dir;
  private final Map<String, SupervisorVerticle> supervisors = new HashMap<>();
  private int apiPort = -1;

  /** What one command line did. */
  record Result(int exit, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + out, e);
      }
    }

    /** Every line of the output parsed as JSON (JSON Lines). */
    List<JsonNode> jsonLines() {
      List<JsonNode> all = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (!line.isBlank()) {
          try {
            all.add(JSON.readTree(line));
          } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
          }
        }
      }
      return all;
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  CliFixture() {
    try {
      dir = Files.createTempDirectory("emp-cli-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The api and the router. */
  CliFixture controlPlane() {
    EnvConfig env = env(Map.of());
    await(vertx.deployVerticle(new RouterVerticle(RouterConfig.from(env))));
    ApiVerticle api = ApiVerticle.fromEnv(env);
    await(vertx.deployVerticle(api));
    apiPort = api.actualPort();
    return this;
  }

  /**
   * A supervised machine with {@code gpus} simulation workers serving {@code simService}, up and
   * reported ready.
   */
  CliFixture machine(String id, int gpus, String simService) {
    Path spec = dir.resolve(id + ".yaml");
    Path script = dir.resolve("svc.sh");
    try {
      Files.writeString(script, """
        #!/usr/bin/env bash
        trap 'echo "$1 stopping"; exit 0' TERM
        echo "$1 ready on pid $$"
        while true; do sleep 0.2; done
        """);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.writeString(spec, """
        simulated_gpu: {name: "Simulated RTX 4090", memory_mb: 24576}
        services:
          web:
            command: ["%s", "web"]
            readiness: {log: "web ready"}
            restart: {policy: always, backoff_initial_ms: 100}
            stop: {grace_ms: 2000}
        """.formatted(script));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SupervisorVerticle s = new SupervisorVerticle(env(Map.of(
      "EMP_MACHINE_ID", id,
      "EMP_MACHINE_SPEC", spec.toString(),
      "EMP_RUN_DIR", dir.resolve("run-" + id).toString(),
      "EMP_GPUS", String.valueOf(gpus),
      "EMP_WORKER_MODE", "inprocess",
      "EMP_CONNECTORS", "simulation",
      "EMP_SIM_SERVICE", simService,
      "EMP_NODES_MODE", "off",
      "EMP_DRAIN_GRACE_MS", "1000")));
    await(vertx.deployVerticle(s));
    supervisors.put(id, s);
    eventually("machine " + id + " ready with " + gpus + " online workers", 60_000, () -> {
      JsonNode m = http("/api/machines/" + id);
      int online = 0;
      for (JsonNode w : m.path("workers")) {
        online += "online".equals(w.path("status").asText()) ? 1 : 0;
      }
      return "ready".equals(m.path("phase").asText()) && "online".equals(m.path("status").asText()) && online == gpus;
    });
    return this;
  }

  SupervisorVerticle supervisor(String id) {
    return supervisors.get(id);
  }

  EnvConfig env(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>();
    m.put("EMP_REDIS_URL", RedisExtension.shared().url());
    m.put("EMP_NAMESPACE", namespace);
    m.put("EMP_API_PORT", "0");
    m.put("EMP_API_HOST", "127.0.0.1");
    m.put("EMP_API_TOKEN", TOKEN);
    m.put("EMP_HEALTH_PORT", "-1");
    m.put("EMP_SUPERVISOR_HEALTH_PORT", "-1");
    m.put("EMP_SSE_KEEPALIVE_MS", "500");
    m.put("EMP_REAP_INTERVAL_MS", "200");
    m.put("EMP_PROMOTE_INTERVAL_MS", "50");
    m.put("EMP_STATUS_DEBOUNCE_MS", "100");
    m.put("EMP_STATUS_INTERVAL_MS", "2000");
    m.putAll(extra);
    return EnvConfig.of(m);
  }

  String url() {
    return "http://127.0.0.1:" + apiPort;
  }

  /** The environment a shell would give {@code emp}: the api's URL and token. */
  Map<String, String> shellEnv() {
    return Map.of("EMP_API_URL", url(), "EMP_API_TOKEN", TOKEN);
  }

  /** Runs {@code emp <args>} in-process with {@link #shellEnv()}, stdout not a terminal. */
  Result emp(String... args) {
    return emp(shellEnv(), false, args);
  }

  static Result emp(Map<String, String> env, boolean tty, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = EmpCli.run(args, env, tty, new PrintWriter(out), new PrintWriter(err));
    return new Result(exit, out.toString(), err.toString());
  }

  /** A GET through the CLI's own client, for waiting on conditions. */
  JsonNode http(String path) {
    try {
      return new Api(url(), TOKEN).get(path);
    } catch (ApiException e) {
      return JSON.createObjectNode();
    }
  }

  /** The namespace's events of one type, read from Redis. */
  List<BrokerEvent> events(String type) {
    Response r = await(redis.send(Request.cmd(Command.XRANGE).arg(new Keys(namespace).events()).arg("-").arg("+")));
    List<BrokerEvent> out = new ArrayList<>();
    for (Response e : r) {
      BrokerEvent be = BrokerEvent.fromEntry(e);
      if (be.type().equals(type)) {
        out.add(be);
      }
    }
    return out;
  }

  static void eventually(String what, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + timeoutMs + " ms: " + what);
      }
      sleep(50);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
