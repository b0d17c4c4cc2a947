package io.emp.worker.connector.a1111;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.rest.HttpCall;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code a1111} connector: runs {@code txt2img} / {@code img2img} on the worker's own A1111
 * ({@code /sdapi/v1}), reporting live progress from {@code /sdapi/v1/progress} while the generation
 * request is running ({@link A1111Job}). Cancel and timeout send {@code POST /sdapi/v1/interrupt}.
 * Advertises the checkpoints of {@code /sdapi/v1/sd-models} as {@code models.<service>}. A1111 being
 * down at start is not an error: the worker withdraws the service until the health probe answers.
 */
public final class A1111Connector implements Connector {
  private static final Logger LOG = LoggerFactory.getLogger(A1111Connector.class);
  static final long HEALTH_TIMEOUT_MS = 1_500;
  static final long MODELS_TIMEOUT_MS = 4_000;

  private final A1111Settings settings;
  private final Vertx vertx;
  private final URI base;
  private final String workerId;
  private final HttpClientAgent client;

  public A1111Connector(A1111Settings settings, ConnectorEnv env) {
    this.settings = settings;
    this.vertx = env.vertx();
    this.workerId = env.workerId();
    this.base = settings.baseUrl(env.workerIndex());
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000),
      new PoolOptions().setHttp1MaxSize(16));
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<Void> start() {
    LOG.info("worker {}: a1111 connector uses {}", workerId, base);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return client.close();
  }

  /** {@code GET /sdapi/v1/progress}: cheap, and answered while a generation runs. */
  @Override
  public Future<ConnectorHealth> health() {
    return call(HttpMethod.GET, "/sdapi/v1/progress?skip_current_image=true", null, HEALTH_TIMEOUT_MS).reply()
      .map(r -> r.is2xx() ? ConnectorHealth.up() : ConnectorHealth.down("a1111 at " + base + " answered HTTP " + r.status()))
      .recover(e -> Future.succeededFuture(ConnectorHealth.down("a1111 at " + base + " unreachable: " + e.getMessage())));
  }

  /** {@code {"models": {"<service>": [model_name, …]}}} from {@code GET /sdapi/v1/sd-models}. */
  @Override
  public Future<JsonObject> capabilities() {
    return call(HttpMethod.GET, "/sdapi/v1/sd-models", null, MODELS_TIMEOUT_MS).reply().compose(r -> {
      if (!r.is2xx()) {
        return Future.failedFuture("a1111 sd-models answered HTTP " + r.status());
      }
      JsonArray names = new JsonArray();
      try {
        for (Object m : new JsonArray(r.body())) {
          if (m instanceof JsonObject o && o.getValue("model_name") instanceof String name) {
            names.add(name);
          }
        }
      } catch (DecodeException e) {
        return Future.failedFuture("a1111 sd-models answered something other than a JSON array");
      }
      return Future.succeededFuture(new JsonObject().put("models", new JsonObject().put(settings.service(), names)));
    });
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    A1111Payload payload;
    try {
      payload = A1111Payload.parse(job.payload());
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(JobOutcome.failure("invalid a1111 payload: " + e.getMessage(), false));
    }
    return new A1111Job(this, settings, job, payload).start();
  }

  Vertx vertx() {
    return vertx;
  }

  /** A request to {@code path} (with its query) on this worker's A1111; {@code body} is sent as JSON. */
  HttpCall call(HttpMethod method, String path, JsonObject body, long timeoutMs) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().set("Accept", "application/json");
    Buffer buffer = null;
    if (body != null) {
      headers.set("Content-Type", "application/json");
      buffer = body.toBuffer();
    }
    return HttpCall.send(client, method, URI.create(base + path), headers, buffer, timeoutMs);
  }
}
