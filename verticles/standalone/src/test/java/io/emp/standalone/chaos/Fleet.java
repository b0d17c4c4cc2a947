package io.emp.standalone.chaos;

import io.emp.standalone.RoleProcess;
import io.emp.testkit.RedisServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A whole deployment on loopback for the chaos suite: one real {@code redis-server} (its own, with
 * AOF on, never the machine's 6379) and every role as its own JVM started from its fat jar — apis,
 * router, monitor, worker "machines". Each member keeps its port across restarts, so clients find a
 * restarted process where they left it. Logs of every incarnation are kept under the report
 * directory for the post-mortem (and for counting what workers said about refused results).
 */
final class Fleet implements AutoCloseable {
  static final String TOKEN = "chaos-token";
  static final String NAMESPACE = "chaos";

  final RedisServer redis;
  final RedisProbe probe;
  private final Path logDir;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();
  private long redisStoppedPid = -1;

  /** One role process: what it is, how to start it again, and where its /ready lives. */
  static final class Member {
    final String name;
    final String role;
    final Map<String, String> env;
    final int port;
    RoleProcess process;
    int incarnation;

    Member(String name, String role, Map<String, String> env, int port) {
      this.name = name;
      this.role = role;
      this.env = env;
      this.port = port;
    }

    boolean alive() {
      return process != null && process.isAlive();
    }
  }

  Fleet(Path logDir, String... redisArgs) throws IOException {
    String jars = System.getProperty("emp.chaos.jars", "");
    if (!jars.isBlank()) { // run another build's jars (a release, or a snapshot taken while the tree is being edited)
      for (String role : List.of("api", "router", "worker", "monitor")) {
        System.setProperty("emp." + role + ".jar", Path.of(jars, "emp-" + role + ".jar").toAbsolutePath().toString());
      }
    }
    this.logDir = logDir;
    Files.createDirectories(logDir);
    this.redis = RedisServer.start(redisArgs);
    this.probe = new RedisProbe("127.0.0.1", redis.port(), 15_000);
  }

  /** The key prefix of the namespace: {@code emp:{chaos}:}. */
  static String prefix() {
    return "emp:{" + NAMESPACE + "}:";
  }

  private Map<String, String> base() {
    Map<String, String> env = new HashMap<>();
    env.put("EMP_REDIS_URL", redis.url());
    env.put("EMP_NAMESPACE", NAMESPACE);
    env.put("EMP_API_TOKEN", TOKEN);
    env.put("EMP_LOG_LEVEL", "INFO");
    return env;
  }

  Member addApi(String name) throws IOException {
    int port = freePort();
    Map<String, String> env = base();
    env.put("EMP_API_PORT", Integer.toString(port));
    env.put("EMP_API_HOST", "127.0.0.1");
    env.put("EMP_SSE_KEEPALIVE_MS", "2000");
    return add(new Member(name, "api", env, port));
  }

  Member addRouter(String name, Map<String, String> extra) throws IOException {
    int port = freePort();
    Map<String, String> env = base();
    env.put("EMP_HEALTH_PORT", Integer.toString(port));
    env.put("EMP_REAP_INTERVAL_MS", "250");
    env.put("EMP_PROMOTE_INTERVAL_MS", "100");
    env.put("EMP_STATS_INTERVAL_MS", "2000");
    env.put("EMP_PLACEMENT", "off");
    env.putAll(extra);
    return add(new Member(name, "router", env, port));
  }

  Member addMonitor(String name) throws IOException {
    int port = freePort();
    Map<String, String> env = base();
    env.put("EMP_MONITOR_PORT", Integer.toString(port));
    env.put("EMP_MONITOR_HOST", "127.0.0.1");
    env.put("EMP_MONITOR_TICK_MS", "1000");
    return add(new Member(name, "monitor", env, port));
  }

  /** A worker machine: one JVM, {@code EMP_MACHINE_ID = name}, simulation connector. */
  Member addWorker(String name, Map<String, String> extra) throws IOException {
    int port = freePort();
    Map<String, String> env = base();
    env.put("EMP_MACHINE_ID", name);
    env.put("EMP_HEALTH_PORT", Integer.toString(port));
    env.put("EMP_CONNECTORS", "simulation");
    env.put("EMP_WORKERS", "1");
    env.put("EMP_WORKER_SLOTS", "2");
    env.put("EMP_LEASE_MS", "2000");
    env.put("EMP_HEARTBEAT_MS", "500");
    env.put("EMP_CLAIM_POLL_MS", "1000");
    env.put("EMP_SHUTDOWN_GRACE_MS", "500");
    env.putAll(extra);
    return add(new Member(name, "worker", env, port));
  }

  private Member add(Member m) {
    members.put(m.name, m);
    return m;
  }

  Member member(String name) {
    Member m = members.get(name);
    if (m == null) {
      throw new IllegalArgumentException("no fleet member " + name);
    }
    return m;
  }

  List<Member> members() {
    return new ArrayList<>(members.values());
  }

  List<Member> ofRole(String role) {
    return members.values().stream().filter(m -> m.role.equals(role)).toList();
  }

  /** Starts (or starts again) a member's JVM; does not wait for it. */
  void start(String name) throws IOException {
    Member m = member(name);
    if (m.alive()) {
      return;
    }
    retire(m);
    m.incarnation++;
    m.process = RoleProcess.start(m.role, m.env, List.of());
  }

  /** SIGKILL: the machine is gone. Returns the time of the kill (epoch ms). */
  long kill9(String name) {
    Member m = member(name);
    long at = System.currentTimeMillis();
    if (m.alive()) {
      m.process.kill9();
    }
    return at;
  }

  void pause(String name) {
    member(name).process.pause();
  }

  void resume(String name) {
    member(name).process.resume();
  }

  /** SIGTERM and wait; then the member stays down until started again. */
  void terminate(String name) {
    Member m = member(name);
    if (m.alive()) {
      m.process.terminate(60_000);
    }
  }

  /** Forgets a member (after terminating it): it is not healed any more. */
  void remove(String name) {
    Member m = members.remove(name);
    if (m != null) {
      if (m.alive()) {
        m.process.kill9();
      }
      retire(m);
    }
  }

  /** HTTP status of the member's /ready (-1 when it does not answer) and the body. */
  Probe ready(String name) {
    Member m = member(name);
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.port + "/ready"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return new Probe(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Probe(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Probe(-1, "interrupted");
    }
  }

  /** /ready of every member at once (a paused Redis makes each answer take the 2 s check timeout). */
  Map<String, Probe> readyAll() {
    Map<String, java.util.concurrent.CompletableFuture<Probe>> pending = new LinkedHashMap<>();
    for (Member m : members.values()) {
      pending.put(m.name, http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.port + "/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Probe(r.statusCode(), r.body()))
        .exceptionally(e -> new Probe(-1, e.toString())));
    }
    Map<String, Probe> out = new LinkedHashMap<>();
    pending.forEach((name, f) -> out.put(name, f.join()));
    return out;
  }

  /** One /ready answer. */
  record Probe(int status, String body) {
    /** The reason given for the first failing check, or the body. */
    String reason() {
      try {
        JsonObject checks = new JsonObject(body).getJsonObject("checks");
        for (String k : checks.fieldNames()) {
          JsonObject c = checks.getJsonObject(k);
          if (!c.getBoolean("ok", true)) {
            return k + ": " + c.getString("reason");
          }
        }
      } catch (RuntimeException ignored) {
        // not JSON
      }
      return body;
    }
  }

  /** Waits until the member answers /ready with 200; returns when (epoch ms). Fails with its log. */
  long awaitReady(String name, long timeoutMs) {
    Member m = member(name);
    long deadline = System.currentTimeMillis() + timeoutMs;
    Probe last = null;
    while (System.currentTimeMillis() < deadline) {
      if (m.process != null && !m.process.isAlive()) {
        throw new AssertionError(name + " exited before it was ready:\n" + tail(m.process.output()));
      }
      last = ready(name);
      if (last.status() == 200) {
        return System.currentTimeMillis();
      }
      sleep(100);
    }
    throw new AssertionError(name + " not ready within " + timeoutMs + " ms (last: " + last + ")\n"
      + (m.process == null ? "" : tail(m.process.output())));
  }

  /** Every member running and ready, Redis up and answering: restarts whatever is not. */
  void heal(long timeoutMs) throws IOException {
    resumeRedis();
    if (!redis.isRunning()) {
      redis.restart();
    }
    for (Member m : members.values()) {
      if (!m.alive()) {
        start(m.name);
      }
    }
    for (Member m : members.values()) {
      awaitReady(m.name, timeoutMs);
    }
  }

  // ---- Redis ----

  /** SIGSTOP of the redis-server process: connections stay open, nothing answers (a black hole). */
  void pauseRedis() {
    redisStoppedPid = redis.pid();
    signal(redisStoppedPid, "STOP");
  }

  void resumeRedis() {
    if (redisStoppedPid > 0) {
      signal(redisStoppedPid, "CONT");
      redisStoppedPid = -1;
    }
  }

  private static void signal(long pid, String sig) {
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- logs ----

  private void retire(Member m) {
    if (m.process == null) {
      return;
    }
    try {
      Files.writeString(logDir.resolve(m.name + "-" + m.incarnation + ".log"), m.process.output());
    } catch (IOException ignored) {
      // the log is a courtesy
    }
    m.process.close();
    m.process = null;
  }

  /** Every incarnation's log of a member so far, the running one included. */
  String logs(String name) {
    Member m = member(name);
    StringBuilder b = new StringBuilder();
    for (int i = 1; i < m.incarnation; i++) {
      try {
        Path p = logDir.resolve(name + "-" + i + ".log");
        if (Files.exists(p)) {
          b.append(Files.readString(p));
        }
      } catch (IOException ignored) {
        // missing
      }
    }
    if (m.process != null) {
      b.append(m.process.output());
    }
    return b.toString();
  }

  static String tail(String text) {
    return text.length() > 6000 ? "…" + text.substring(text.length() - 6000) : text;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    resumeRedis();
    for (Member m : members.values()) {
      if (m.alive()) {
        m.process.kill9();
      }
      retire(m);
    }
    redis.close();
  }
}
