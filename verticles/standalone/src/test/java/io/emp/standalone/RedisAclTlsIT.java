package io.emp.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.api.ApiVerticle;
import io.emp.core.config.EnvConfig;
import io.emp.core.redis.RedisClients;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.emp.worker.WorkerRole;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Redis users and TLS as docs/security.md prescribes: the ACL rules are read from that document and
 * applied to a real redis-server listening with TLS; the control plane (api, router) connects as the
 * control user, a worker as a machine user, both over {@code rediss://} with the test CA. A job
 * completes; the machine user cannot load or delete the library, flush, list keys or touch another
 * namespace; a machine role facing a missing library refuses to start instead of loading it.
 */
class RedisAclTlsIT {
  private static final String TOKEN = "acl-tls-token";

  @Test
  @DisplayName("control plane and a worker with their own Redis users over TLS: jobs run, machines cannot overreach")
  void aclAndTls() throws Exception {
    Path dir = Files.createTempDirectory("emp-tls");
    certificates(dir);
    int tlsPort = freePort();
    String ns = RedisExtension.freshNamespace().value();
    try (RedisServer redis = RedisServer.start("--tls-port", String.valueOf(tlsPort),
      "--tls-cert-file", dir.resolve("server.crt").toString(), "--tls-key-file", dir.resolve("server.key").toString(),
      "--tls-ca-cert-file", dir.resolve("ca.crt").toString(), "--tls-auth-clients", "no")) {
      Vertx vertx = Vertx.vertx();
      try {
        Redis admin = RedisClients.create(vertx, redis.url(), 2);
        for (List<String> user : documentedUsers(ns)) {
          Request r = Request.cmd(Command.ACL).arg("SETUSER");
          user.forEach(r::arg);
          await(admin.send(r));
        }
        String tls = "rediss://%s:%s@localhost:" + tlsPort;
        Map<String, String> control = env(ns, String.format(tls, "emp-control", "CONTROL_SECRET"), dir);
        Map<String, String> machine = env(ns, String.format(tls, "emp-machine-17", "MACHINE_SECRET"), dir);
        machine.put("EMP_CONNECTORS", "simulation");
        machine.put("EMP_MACHINE_ID", "m17");
        machine.put("EMP_WORKERS", "1");

        await(vertx.deployVerticle(new RouterVerticle(RouterConfig.from(EnvConfig.of(control)))));
        ApiVerticle api = ApiVerticle.fromEnv(EnvConfig.of(control));
        await(vertx.deployVerticle(api));
        await(vertx.deployVerticle(new WorkerRole(EnvConfig.of(machine))));

        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + api.actualPort();
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs"))
          .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"service\":\"simulation\",\"payload\":{\"duration_ms\":200}}"))
          .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
        String id = new JsonObject(submitted.body()).getString("id");
        long deadline = System.currentTimeMillis() + 30_000;
        String status = "";
        while (!status.equals("completed") && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
          status = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id))
            .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body())
            .getString("status");
        }
        assertThat(status).as("the job ran on the machine user's worker over TLS").isEqualTo("completed");

        // what a machine's credentials cannot do
        Redis asMachine = RedisClients.create(vertx, io.emp.core.config.RedisConfig.from(EnvConfig.of(machine)), 1);
        for (Request forbidden : List.of(
          Request.cmd(Command.FUNCTION).arg("DELETE").arg("emp"),
          Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg("#!lua name=evil\nredis.register_function('x', function() end)"),
          Request.cmd(Command.EVAL).arg("return redis.call('FLUSHALL')").arg(0),
          Request.cmd(Command.FLUSHALL),
          Request.cmd(Command.KEYS).arg("*"),
          Request.cmd(Command.CONFIG).arg("SET").arg("maxmemory-policy").arg("allkeys-lru"),
          Request.cmd(Command.GET).arg("emp:{other}:cfg"))) {
          Throwable e = await(asMachine.send(forbidden).transform(ar -> Future.succeededFuture(ar.cause())));
          assertThat(e).as(forbidden.command().toString()).isNotNull();
          assertThat(e.getMessage()).as(forbidden.command().toString()).startsWith("NOPERM");
        }

        // a machine role never loads the library: with it gone, it refuses to start and says why
        await(admin.send(Request.cmd(Command.FUNCTION).arg("DELETE").arg("emp")));
        Map<String, String> second = new HashMap<>(machine);
        second.put("EMP_MACHINE_ID", "m18");
        assertThatThrownBy(() -> await(vertx.deployVerticle(new WorkerRole(EnvConfig.of(second)))))
          .hasMessageContaining("may not load it (NOPERM)");
        await(asMachine.close());
        await(admin.close());
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    }
  }

  /** The {@code user …} rules of docs/security.md, for namespace {@code ns}, as ACL SETUSER arguments. */
  static List<List<String>> documentedUsers(String ns) throws IOException {
    Path doc = Path.of("../../docs/security.md");
    String text = Files.readString(doc, StandardCharsets.UTF_8).replace("\\\n", " ");
    List<List<String>> users = new ArrayList<>();
    for (String line : text.split("\n")) {
      String l = line.trim();
      if (l.startsWith("user emp-")) {
        List<String> args = new ArrayList<>();
        for (String t : l.substring("user ".length()).trim().split("\\s+")) {
          args.add(t.replace("emp:{main}:", "emp:{" + ns + "}:"));
        }
        users.add(args);
      }
    }
    assertThat(users).as("user rules in docs/security.md").hasSize(2);
    return users;
  }

  private static Map<String, String> env(String ns, String url, Path dir) {
    Map<String, String> m = new HashMap<>();
    m.put("EMP_REDIS_URL", url);
    m.put("EMP_REDIS_TLS_CA", dir.resolve("ca.crt").toString());
    m.put("EMP_NAMESPACE", ns);
    m.put("EMP_API_TOKEN", TOKEN);
    m.put("EMP_API_PORT", "0");
    m.put("EMP_HEALTH_PORT", "-1");
    m.put("EMP_REDIS_POOL_SIZE", "4");
    return m;
  }

  /** A throw-away CA and a server certificate for localhost / 127.0.0.1, made with openssl. */
  private static void certificates(Path dir) throws Exception {
    Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
      "-days", "2", "-subj", "/CN=emp-test-ca");
    run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
      "-subj", "/CN=localhost");
    run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf");
  }

  private static void run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
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
}
