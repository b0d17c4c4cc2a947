package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.auth.TokenRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Token scopes on every endpoint (docs/security.md#scopes): for each route and each kind of token,
 * whether the scope check lets it through (any answer but 403) or refuses it (403 naming the token).
 * Ownership of submit-only tokens, rate limits and the per-token stream cap.
 */
class ScopesTest extends ApiTestBase {
  private static final String ACME = "tok-acme";
  private static final String BETA = "tok-beta";
  private static final String READ = "tok-read";
  private static final String OPERATE = "tok-operate";

  @Override
  Map<String, String> env() {
    Map<String, String> env = baseEnv(keys.namespace());
    env.put("EMP_API_TOKENS", "acme-app submit " + TokenRegistry.hash(ACME) + " acme;"
      + "beta-app submit " + TokenRegistry.hash(BETA) + " beta;"
      + "grafana read " + TokenRegistry.hash(READ) + ";"
      + "oncall operate " + TokenRegistry.hash(OPERATE));
    env.put("EMP_SSE_MAX_PER_TOKEN", "2");
    return env;
  }

  private HttpResponse<Buffer> as(String token, HttpMethod method, String uri, JsonObject body) {
    var req = http.request(method, uri);
    if (token != null) {
      req.bearerTokenAuthentication(token);
    }
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  /** One endpoint: method, path, body, and which of submit/read/operate/admin pass its scope check. */
  private record Route(HttpMethod method, String path, JsonObject body, boolean submit, boolean read, boolean operate) {
  }

  @Test
  @DisplayName("every endpoint: the scope check lets exactly the documented tokens through; no token is 401")
  void everyEndpoint() {
    String job = submit("s");
    String any = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
    JsonObject jobBody = new JsonObject().put("service", "s");
    List<Route> routes = List.of(
      new Route(HttpMethod.POST, "/api/jobs", jobBody, true, false, false),
      new Route(HttpMethod.GET, "/api/jobs", null, true, true, true),
      new Route(HttpMethod.GET, "/api/jobs/" + any, null, true, true, true),
      new Route(HttpMethod.POST, "/api/jobs/" + any + "/cancel", null, true, false, true),
      new Route(HttpMethod.POST, "/api/jobs/" + job + "/retry", null, false, false, true),
      new Route(HttpMethod.GET, "/api/jobs/" + any + "/explain", null, false, true, true),
      new Route(HttpMethod.GET, "/api/workers", null, false, true, true),
      new Route(HttpMethod.GET, "/api/machines", null, false, true, true),
      new Route(HttpMethod.GET, "/api/machines/m1", null, false, true, true),
      new Route(HttpMethod.DELETE, "/api/machines/m1", null, false, false, true),
      new Route(HttpMethod.POST, "/api/machines/m1/restart", null, false, false, true),
      new Route(HttpMethod.POST, "/api/machines/m1/drain", null, false, false, true),
      new Route(HttpMethod.POST, "/api/machines/m1/services/x/restart", null, false, false, true),
      new Route(HttpMethod.POST, "/api/machines/m1/services/x/stop", null, false, false, true),
      new Route(HttpMethod.POST, "/api/machines/m1/services/x/start", null, false, false, true),
      new Route(HttpMethod.GET, "/api/machines/m1/services/x/logs", null, false, true, true),
      new Route(HttpMethod.GET, "/api/stats", null, false, true, true));
    for (Route r : routes) {
      String what = r.method() + " " + r.path();
      assertThat(as(null, r.method(), r.path(), r.body()).statusCode()).as(what + " without a token").isEqualTo(401);
      assertThat(as("nope", r.method(), r.path(), r.body()).statusCode()).as(what + " with an unknown token").isEqualTo(403);
      assertThat(as(TOKEN, r.method(), r.path(), r.body()).statusCode()).as(what + " as admin").isNotEqualTo(403);
      check(what + " as submit", as(ACME, r.method(), r.path(), r.body()), r.submit());
      check(what + " as read", as(READ, r.method(), r.path(), r.body()), r.read());
      check(what + " as operate", as(OPERATE, r.method(), r.path(), r.body()), r.operate());
    }
    // the streams: a scope refusal is a 403 before any event is written
    assertThat(as(ACME, HttpMethod.GET, "/api/events", null).statusCode()).isEqualTo(403);
    assertThat(as(OPERATE, HttpMethod.GET, "/api/jobs/" + any + "/events", null).statusCode()).isEqualTo(404);
  }

  private static void check(String what, HttpResponse<Buffer> r, boolean allowed) {
    if (allowed) {
      assertThat(r.statusCode()).as(what + ": " + r.bodyAsString()).isNotEqualTo(403).isNotEqualTo(401);
    } else {
      assertThat(r.statusCode()).as(what + ": " + r.bodyAsString()).isEqualTo(403);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("field")).isEqualTo("token");
    }
  }

  @Test
  @DisplayName("a submit token submits for its customer only, and sees and cancels only its customer's jobs")
  void ownership() {
    HttpResponse<Buffer> mine = as(ACME, HttpMethod.POST, "/api/jobs", new JsonObject().put("service", "s"));
    assertThat(mine.statusCode()).isEqualTo(201);
    String acmeJob = mine.bodyAsJsonObject().getString("id");
    JsonObject read = as(ACME, HttpMethod.GET, "/api/jobs/" + acmeJob, null).bodyAsJsonObject();
    assertThat(read.getString("customer_id")).isEqualTo("acme");
    assertThat(read.getString("principal")).isEqualTo("acme-app");

    HttpResponse<Buffer> foreign = as(ACME, HttpMethod.POST, "/api/jobs",
      new JsonObject().put("service", "s").put("customer_id", "beta"));
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.bodyAsJsonObject().getJsonObject("error").getString("field")).isEqualTo("customer_id");

    String betaJob = as(BETA, HttpMethod.POST, "/api/jobs", new JsonObject().put("service", "s"))
      .bodyAsJsonObject().getString("id");
    assertThat(as(ACME, HttpMethod.GET, "/api/jobs/" + betaJob, null).statusCode()).as("no leak").isEqualTo(404);
    assertThat(as(ACME, HttpMethod.POST, "/api/jobs/" + betaJob + "/cancel", null).statusCode()).isEqualTo(404);
    assertThat(as(ACME, HttpMethod.GET, "/api/jobs/" + betaJob + "/events", null).statusCode()).isEqualTo(404);
    JsonArray listed = as(ACME, HttpMethod.GET, "/api/jobs", null).bodyAsJsonObject().getJsonArray("jobs");
    assertThat(listed.stream().map(o -> ((JsonObject) o).getString("id"))).containsExactly(acmeJob);
    assertThat(as(READ, HttpMethod.GET, "/api/jobs", null).bodyAsJsonObject().getJsonArray("jobs")).hasSize(2);

    assertThat(as(ACME, HttpMethod.POST, "/api/jobs/" + acmeJob + "/cancel", null).statusCode()).isEqualTo(200);
    assertThat(as(OPERATE, HttpMethod.POST, "/api/jobs/" + betaJob + "/cancel", null).statusCode()).isEqualTo(200);
    assertThat(as(READ, HttpMethod.POST, "/api/jobs/" + betaJob + "/retry", null).statusCode()).isEqualTo(403);
    assertThat(as(OPERATE, HttpMethod.POST, "/api/jobs/" + betaJob + "/retry", null).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("at most EMP_SSE_MAX_PER_TOKEN open streams per token: one more is 429 with Retry-After; a closed one frees its slot")
  void streamCap() throws Exception {
    String job = submit("s");
    java.net.Socket s1 = openStream(job);
    java.net.Socket s2 = openStream(job);
    HttpResponse<Buffer> third = as(READ, HttpMethod.GET, "/api/jobs/" + job + "/events", null);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.getHeader("Retry-After")).isNotNull();
    assertThat(third.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("TOO_MANY_STREAMS");
    s1.close(); // the client goes away without a goodbye
    long deadline = System.currentTimeMillis() + 10_000;
    java.net.Socket again = null;
    while (again == null && System.currentTimeMillis() < deadline) {
      try {
        again = openStream(job);
      } catch (AssertionError refused) {
        Thread.sleep(100);
      }
    }
    assertThat(again).as("the closed stream's slot was freed").isNotNull();
    again.close();
    s2.close();
  }

  /** An SSE stream on a raw socket (so the test can drop it); fails unless the answer is 200. */
  private java.net.Socket openStream(String job) throws Exception {
    java.net.Socket s = new java.net.Socket(HOST, port);
    s.setSoTimeout(5_000);
    s.getOutputStream().write(("GET /api/jobs/" + job + "/events HTTP/1.1\r\nHost: " + HOST + "\r\nAuthorization: Bearer "
      + READ + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
      java.nio.charset.StandardCharsets.US_ASCII)).readLine();
    if (status == null || !status.contains(" 200 ")) {
      s.close();
      throw new AssertionError("stream refused: " + status);
    }
    return s;
  }

  @Test
  @DisplayName("a submission over the rate limit is 429 with Retry-After, naming the limit; nothing is written")
  void rateLimited() {
    await(store.configure(Map.of("rate_principal_per_s", 2)));
    int created = 0;
    HttpResponse<Buffer> limited = null;
    for (int i = 0; i < 20 && limited == null; i++) {
      HttpResponse<Buffer> r = as(ACME, HttpMethod.POST, "/api/jobs", new JsonObject().put("service", "s"));
      if (r.statusCode() == 429) {
        limited = r;
      } else {
        assertThat(r.statusCode()).isEqualTo(201);
        created++;
      }
    }
    assertThat(limited).isNotNull();
    assertThat(limited.getHeader("Retry-After")).isEqualTo("1");
    assertThat(limited.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("RATE_LIMITED");
    assertThat(limited.bodyAsJsonObject().getJsonObject("error").getString("field")).isEqualTo("rate");
    long jobs = as(READ, HttpMethod.GET, "/api/jobs?limit=100", null).bodyAsJsonObject().getJsonArray("jobs").size();
    assertThat(jobs).isEqualTo(created);
  }
}
