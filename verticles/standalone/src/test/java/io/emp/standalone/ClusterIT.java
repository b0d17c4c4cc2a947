package io.emp.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The clustered event bus with real JVMs: two api and two monitor processes join one Hazelcast cluster
 * (TCP/IP join on loopback) over one Redis. Every client — SSE streams on both apis, bridge sockets on
 * both monitors — sees each event exactly once, whichever instance it is connected to; after one api
 * and one monitor are killed with SIGKILL, the other instances' clients stay whole.
 */
class ClusterIT {
  private static final String TOKEN = "cluster-it-token";
  private final RedisServer redis = RedisExtension.shared();
  private final String namespace = RedisExtension.freshNamespace().value();
  private final List<RoleProcess> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    processes.forEach(RoleProcess::close);
  }

  @Test
  @DisplayName("two apis and two monitors in one cluster: every client sees each event once; a killed node leaves the others whole")
  void exactlyOnceAndSurvivesANode() throws Exception {
    int[] hz = {freePort(), freePort(), freePort(), freePort()};
    String members = "127.0.0.1:" + hz[0] + ",127.0.0.1:" + hz[1] + ",127.0.0.1:" + hz[2] + ",127.0.0.1:" + hz[3];
    int apiA = freePort();
    int apiB = freePort();
    int monA = freePort();
    int monB = freePort();
    RoleProcess a = start("api", Map.of("EMP_API_PORT", String.valueOf(apiA)), hz[0], members);
    RoleProcess b = start("api", Map.of("EMP_API_PORT", String.valueOf(apiB)), hz[1], members);
    RoleProcess ma = start("monitor", Map.of("EMP_MONITOR_PORT", String.valueOf(monA)), hz[2], members);
    RoleProcess mb = start("monitor", Map.of("EMP_MONITOR_PORT", String.valueOf(monB)), hz[3], members);
    for (int port : new int[] {apiA, apiB, monA, monB}) {
      eventually("4 cluster nodes seen from :" + port, 90_000, () -> clusterNodes(port) == 4);
    }

    Bridge bridgeA = Bridge.open(http, monA);
    Bridge bridgeB = Bridge.open(http, monB);
    String job1 = submit(apiA);
    Sse sseA = Sse.open(http, apiA, job1);
    Sse sseB = Sse.open(http, apiB, job1);
    eventually("both streams sent the current state", 20_000, () -> sseA.count("queued") >= 1 && sseB.count("queued") >= 1);
    cancel(apiB, job1);
    eventually("both streams closed after the cancellation", 20_000, () -> sseA.closed() && sseB.closed());
    assertThat(sseA.count("job.cancelled")).isEqualTo(1);
    assertThat(sseB.count("job.cancelled")).isEqualTo(1);
    eventually("both bridges saw job 1 submitted and cancelled", 20_000,
      () -> bridgeA.count(job1) >= 2 && bridgeB.count(job1) >= 2);
    Thread.sleep(500); // a duplicate would arrive right behind the original
    assertThat(bridgeA.count(job1)).isEqualTo(2);
    assertThat(bridgeB.count(job1)).isEqualTo(2);

    // one api and one monitor die without a goodbye
    a.kill9();
    ma.kill9();
    String job2 = submit(apiB);
    Sse sse2 = Sse.open(http, apiB, job2);
    eventually("the stream sent the current state", 20_000, () -> sse2.count("queued") >= 1);
    cancel(apiB, job2);
    eventually("the surviving api's stream completed", 30_000, sse2::closed);
    assertThat(sse2.count("job.cancelled")).isEqualTo(1);
    eventually("the surviving monitor's client saw job 2", 30_000, () -> bridgeB.count(job2) >= 2);
    Thread.sleep(500);
    assertThat(bridgeB.count(job2)).isEqualTo(2);
    assertThat(bridgeB.count(job1)).as("nothing replayed").isEqualTo(2);
    eventually("the survivors see a cluster of 2", 60_000, () -> clusterNodes(apiB) == 2 && clusterNodes(monB) == 2);
    bridgeB.close();
    bridgeA.close();
    assertThat(b.isAlive() && mb.isAlive()).isTrue();
  }

  private RoleProcess start(String role, Map<String, String> extra, int hzPort, String members) throws IOException {
    Map<String, String> env = new java.util.HashMap<>(Map.of(
      "EMP_REDIS_URL", redis.url(), "EMP_NAMESPACE", namespace, "EMP_API_TOKEN", TOKEN,
      "EMP_CLUSTER", "true", "EMP_CLUSTER_MEMBERS", members, "EMP_CLUSTER_PORT", String.valueOf(hzPort),
      "EMP_CLUSTER_HOST", "127.0.0.1", "EMP_MONITOR_TICK_MS", "500"));
    env.putAll(extra);
    RoleProcess p = RoleProcess.start(role, env, List.of());
    processes.add(p);
    p.awaitLog(role + " started", 90_000);
    return p;
  }

  private int clusterNodes(int port) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).getJsonObject("cluster").getInteger("nodes", 0);
    } catch (Exception e) {
      return -1;
    }
  }

  private String submit(int port) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs"))
      .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString("{\"service\":\"nobody-runs-this\"}")).build(),
      HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body()).getString("id");
  }

  private void cancel(int port, String id) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs/" + id
      + "/cancel")).header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
      HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** An SSE job stream, its lines collected. */
  private static final class Sse {
    final List<String> lines = new CopyOnWriteArrayList<>();
    volatile boolean ended;

    static Sse open(HttpClient http, int port, String job) {
      Sse s = new Sse();
      http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs/" + job + "/events"))
        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofInputStream())
        .thenAccept(r -> {
          try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
              s.lines.add(line);
            }
          } catch (IOException ignored) {
            // the stream ended
          } finally {
            s.ended = true;
          }
        });
      return s;
    }

    long count(String text) {
      return lines.stream().filter(l -> l.startsWith("data:") && l.contains(text)).count();
    }

    boolean closed() {
      return ended;
    }
  }

  /** A browser-like client of the monitor's bridge (raw WebSocket transport) registered on job events. */
  private static final class Bridge implements WebSocket.Listener {
    final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket ws;

    static Bridge open(HttpClient http, int port) throws Exception {
      Bridge b = new Bridge();
      b.ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/eventbus/websocket"), b).get();
      b.ws.sendText(new JsonObject().put("type", "register").put("address", "emp.events.jobs")
        .put("headers", new JsonObject().put("token", TOKEN)).encode(), true).get();
      // a round trip proves the registration was processed before the test goes on
      String reply = UUID.randomUUID().toString();
      b.ws.sendText(new JsonObject().put("type", "send").put("address", "emp.monitor.snapshot").put("body", new JsonObject())
        .put("replyAddress", reply).put("headers", new JsonObject().put("token", TOKEN)).encode(), true).get();
      eventually("snapshot reply", 20_000, () -> b.events.stream().anyMatch(e -> reply.equals(e.getString("address"))));
      return b;
    }

    long count(String job) {
      return events.stream().filter(e -> "emp.events.jobs".equals(e.getString("address")))
        .filter(e -> job.equals(e.getJsonObject("body").getString("job"))).count();
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      partial.append(StandardCharsets.UTF_8.decode(data));
      if (last) {
        events.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        events.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    void close() {
      ws.abort();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void eventually(String what, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("not within " + timeoutMs + " ms: " + what);
  }
}
