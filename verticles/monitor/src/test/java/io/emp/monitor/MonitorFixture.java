package io.emp.monitor;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.MachineRegistry;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.emp.supervisor.SupervisorVerticle;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real control plane for monitor tests, in this JVM against the testkit's real redis-server: the
 * router, the monitor on a fixed free port (so it can be restarted where the page expects it) and,
 * optionally, a simulated GPU machine — a real supervisor running one stand-in process per GPU
 * ({@code sleep}) and one simulation worker per GPU in-process. {@link #store()} seeds or inspects
 * Redis through the function library.
 */
public final class MonitorFixture implements AutoCloseable {
  public static final String TOKEN = "operator-token-for-tests";
  public static final String MACHINE = "sim-box";

  private final RedisServer server = RedisExtension.shared();
  private final String namespace = RedisExtension.freshNamespace().value();
  private final Vertx vertx = Vertx.vertx();
  private final int monitorPort = freePort();
  private final Path runDir;
  private final Map<String, String> extra;
  private Redis redis;
  private String monitorDeployment;
  private MonitorVerticle monitor;

  public MonitorFixture(Map<String, String> extra) {
    this.extra = extra;
    try {
      this.runDir = Files.createTempDirectory("emp-monitor-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public MonitorFixture() {
    this(Map.of());
  }

  public EnvConfig env() {
    Map<String, String> m = new HashMap<>();
    m.put("EMP_REDIS_URL", server.url());
    m.put("EMP_NAMESPACE", namespace);
    m.put("EMP_API_TOKEN", TOKEN);
    m.put("EMP_MONITOR_PORT", String.valueOf(monitorPort));
    m.put("EMP_MONITOR_HOST", "127.0.0.1");
    m.put("EMP_HEALTH_PORT", "-1");
    m.put("EMP_SUPERVISOR_HEALTH_PORT", "-1");
    m.put("EMP_REAP_INTERVAL_MS", "200");
    m.put("EMP_PROMOTE_INTERVAL_MS", "50");
    m.put("EMP_MONITOR_TICK_MS", "1000");
    m.put("EMP_MONITOR_SAMPLE_MS", "1000");
    m.put("EMP_STATUS_DEBOUNCE_MS", "100");
    m.put("EMP_STATUS_INTERVAL_MS", "3000");
    m.putAll(extra);
    return EnvConfig.of(m);
  }

  /** Router and monitor. */
  public MonitorFixture start() {
    redis = RedisClients.create(vertx, server.url(), 4);
    await(vertx.deployVerticle(new RouterVerticle(RouterConfig.from(env()))));
    startMonitor();
    return this;
  }

  /** A simulated machine {@value #MACHINE} with {@code gpus} GPUs, one simulation worker each. */
  public MonitorFixture withMachine(int gpus) {
    Path spec = runDir.resolve("machine.yaml");
    try {
      Files.writeString(spec, """
        machine: {id: "%s", pool: "standard"}
        simulated_gpu: {name: "Simulated RTX 4090", memory_mb: 24576}
        services:
          gpu-sim:
            command: ["sleep", "2147483647"]
            instances: per_gpu
            restart: {policy: always, backoff_initial_ms: 200}
            stop: {grace_ms: 1000}
        """.formatted(MACHINE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    EnvConfig env = env().with(Map.of(
      "EMP_MACHINE_ID", MACHINE,
      "EMP_MACHINE_SPEC", spec.toString(),
      "EMP_GPUS", String.valueOf(gpus),
      "EMP_WORKER_MODE", "inprocess",
      "EMP_CONNECTORS", "simulation",
      "EMP_NODES_MODE", "off",
      "EMP_RUN_DIR", runDir.resolve("run").toString(),
      "EMP_DRAIN_GRACE_MS", "2000"));
    await(vertx.deployVerticle(new SupervisorVerticle(env)));
    return this;
  }

  public void startMonitor() {
    monitor = new MonitorVerticle(MonitorConfig.from(env()));
    monitorDeployment = await(vertx.deployVerticle(monitor));
  }

  public void stopMonitor() {
    await(vertx.undeploy(monitorDeployment));
    monitorDeployment = null;
  }

  /** Stops the monitor role and starts a new one on the same port (browsers see a dropped connection). */
  public void restartMonitor() {
    stopMonitor();
    startMonitor();
  }

  public int monitorPort() {
    return monitorPort;
  }

  public String url() {
    return "http://127.0.0.1:" + monitorPort + "/";
  }

  public Vertx vertx() {
    return vertx;
  }

  public Keys keys() {
    return new Keys(namespace);
  }

  public BrokerStore store() {
    return new BrokerStore(redis, keys());
  }

  public MachineRegistry machines() {
    return new MachineRegistry(redis, keys());
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("fixture did not stop", e);
    }
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
