package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.redis.RedisClients;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OpsTest extends ApiTestBase {

  @Test
  @DisplayName("/health, /ready, /metrics and /openapi.yaml answer without a token")
  void publicEndpoints() {
    HttpResponse<Buffer> health = await(http.get("/health").send());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("up");

    HttpResponse<Buffer> ready = await(http.get("/ready").send());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getBoolean("ready")).isTrue();
    assertThat(ready.bodyAsJsonObject().getJsonObject("checks").fieldNames()).contains("redis", "functions");

    HttpResponse<Buffer> spec = await(http.get("/openapi.yaml").send());
    assertThat(spec.statusCode()).isEqualTo(200);
    assertThat(spec.getHeader("Content-Type")).startsWith("application/yaml");
    assertThat(spec.bodyAsString()).startsWith("openapi: 3.0");
  }

  @Test
  @DisplayName("/metrics is Prometheus text with the api's meters")
  void metrics() {
    submit("metrics-probe");
    submit("metrics-probe");
    HttpResponse<Buffer> r = await(http.get("/metrics").send());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/plain");
    String text = r.bodyAsString();
    assertThat(text).contains("# TYPE emp_api_jobs_submitted_total counter");
    assertThat(text).contains("emp_api_jobs_submitted_total{service=\"metrics-probe\"} 2.0");
    assertThat(text).contains("# TYPE emp_api_sse_streams gauge", "# TYPE emp_api_ws_clients gauge");
    for (String name : io.emp.testkit.PrometheusText.documented("api")) {
      assertThat(io.emp.testkit.PrometheusText.serves(text, name)).as("docs/metrics.md names " + name).isTrue();
    }
    assertThat(io.emp.testkit.PrometheusText.malformed(text)).isEmpty();
    var problems = io.emp.testkit.PrometheusText.promtoolProblems(text);
    if (problems != null) {
      assertThat(problems).as("promtool check metrics").isEmpty();
    }
  }

  @Test
  @DisplayName("/ready is 503 with a reason when the function library is missing, and when Redis is down")
  void readinessFailures() {
    try (RedisServer own = RedisServer.start()) {
      Deployed d = deploy(baseEnv("ready"), own.url());
      try {
        assertThat(status(d, "/ready")).isEqualTo(200);

        Redis direct = RedisClients.create(vertx, own.url(), 1);
        await(direct.send(Request.cmd(Command.FUNCTION).arg("DELETE").arg("emp")));
        await(direct.close());
        HttpResponse<Buffer> noLibrary = await(d.client.get("/ready").send());
        assertThat(noLibrary.statusCode()).isEqualTo(503);
        JsonObject checks = noLibrary.bodyAsJsonObject().getJsonObject("checks");
        assertThat(checks.getJsonObject("redis").getBoolean("ok")).isTrue();
        assertThat(checks.getJsonObject("functions").getBoolean("ok")).isFalse();
        assertThat(checks.getJsonObject("functions").getString("reason")).contains("not loaded");

        own.stop();
        HttpResponse<Buffer> down = await(d.client.get("/ready").send());
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.bodyAsJsonObject().getJsonObject("checks").getJsonObject("redis").getString("reason"))
          .isNotBlank();
        HttpResponse<Buffer> submit = await(d.client.post("/api/jobs").bearerTokenAuthentication(TOKEN)
          .sendJsonObject(new JsonObject().put("service", "s")));
        assertThat(submit.statusCode()).as(submit.bodyAsString()).isEqualTo(503);
        assertThat(submit.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("UNAVAILABLE");
      } finally {
        d.close();
      }
    }
  }

  @Test
  @DisplayName("without a token the api refuses to start, naming EMP_API_TOKEN and EMP_AUTH=off")
  void refusesToStartWithoutToken() {
    Map<String, String> env = baseEnv(RedisExtension.freshNamespace().value());
    env.remove("EMP_API_TOKEN");
    EnvConfig config = EnvConfig.of(env);
    assertThatThrownBy(() -> ApiConfig.from(config))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_API_TOKEN")
      .hasMessageContaining("EMP_AUTH=off");

    Throwable failed = await(vertx.deployVerticle(() -> ApiVerticle.fromEnv(config), new DeploymentOptions())
      .map(id -> (Throwable) null)
      .recover(Future::succeededFuture));
    assertThat(failed).isInstanceOf(ConfigException.class).hasMessageContaining("EMP_API_TOKEN");

    env.put("EMP_AUTH", "maybe");
    assertThatThrownBy(() -> ApiConfig.from(EnvConfig.of(env))).hasMessageContaining("EMP_AUTH");
  }

  @Test
  @DisplayName("with EMP_AUTH=off requests need no token")
  void authOff() {
    Map<String, String> env = baseEnv(RedisExtension.freshNamespace().value());
    env.remove("EMP_API_TOKEN");
    env.put("EMP_AUTH", "off");
    Deployed d = deploy(env, RedisExtension.shared().url());
    try {
      HttpResponse<Buffer> r = await(d.client.post("/api/jobs").sendJsonObject(new JsonObject().put("service", "s")));
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(await(d.client.get("/api/stats").send()).statusCode()).isEqualTo(200);
    } finally {
      d.close();
    }
  }

  @Test
  @DisplayName("CORS headers go only to the configured origins, never with credentials, and not at all by default")
  void cors() {
    HttpResponse<Buffer> none = await(http.get("/health").putHeader("Origin", "https://app.example").send());
    assertThat(none.getHeader("Access-Control-Allow-Origin")).isNull();

    Map<String, String> env = baseEnv(RedisExtension.freshNamespace().value());
    env.put("EMP_CORS_ORIGINS", "https://app.example, http://localhost:3000");
    Deployed d = deploy(env, RedisExtension.shared().url());
    try {
      Function<String, HttpResponse<Buffer>> preflight = origin -> await(d.client.request(HttpMethod.OPTIONS, "/api/jobs")
        .putHeader("Origin", origin)
        .putHeader("Access-Control-Request-Method", "POST")
        .putHeader("Access-Control-Request-Headers", "authorization,content-type")
        .send());
      HttpResponse<Buffer> allowed = preflight.apply("https://app.example");
      assertThat(allowed.statusCode()).isBetween(200, 204);
      assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
      assertThat(allowed.getHeader("Access-Control-Allow-Credentials")).isNotEqualTo("true");
      assertThat(allowed.getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");

      HttpResponse<Buffer> other = preflight.apply("https://evil.example");
      assertThat(other.statusCode()).isEqualTo(403);
      assertThat(other.getHeader("Access-Control-Allow-Origin")).isNull();
    } finally {
      d.close();
    }
  }

  @Test
  @DisplayName("a bad setting fails the configuration naming the variable")
  void badSettings() {
    Map<String, String> env = baseEnv("x");
    env.put("EMP_API_PORT", "99999");
    assertThatThrownBy(() -> ApiConfig.from(EnvConfig.of(env))).hasMessageContaining("EMP_API_PORT");
    env.put("EMP_API_PORT", "0");
    env.put("EMP_CORS_ORIGINS", "app.example");
    assertThatThrownBy(() -> ApiConfig.from(EnvConfig.of(env))).hasMessageContaining("EMP_CORS_ORIGINS");
    env.remove("EMP_CORS_ORIGINS");
    env.put("EMP_MAX_PAYLOAD_BYTES", "lots");
    assertThatThrownBy(() -> ApiConfig.from(EnvConfig.of(env))).hasMessageContaining("EMP_MAX_PAYLOAD_BYTES");
    assertThat(ApiConfig.from(EnvConfig.of(baseEnv("x"))).toString()).doesNotContain(TOKEN);
  }

  private int status(Deployed d, String uri) {
    return await(d.client.get(uri).send()).statusCode();
  }

  private Deployed deploy(Map<String, String> env, String redisUrl) {
    env.put("EMP_REDIS_URL", redisUrl);
    ApiVerticle verticle = ApiVerticle.fromEnv(EnvConfig.of(env));
    String id = await(vertx.deployVerticle(verticle));
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost(HOST)
      .setDefaultPort(verticle.actualPort()));
    return new Deployed(id, client);
  }

  private record Deployed(String id, WebClient client) {
    void close() {
      client.close();
      await(vertx.undeploy(id));
    }
  }
}
