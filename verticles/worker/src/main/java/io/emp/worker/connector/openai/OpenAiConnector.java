package io.emp.worker.connector.openai;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code openai} connector: runs jobs on an OpenAI-compatible API — streamed chat completions
 * ({@code /v1/chat/completions}, server-sent events), image generations and embeddings — probes and
 * lists models with {@code /v1/models}. See docs/connectors.md.
 *
 * <p>{@link #start()} only opens the HTTP client: a server that is down does not stop the worker; the
 * health monitor withdraws the service until it answers. The API key is never logged.
 */
public final class OpenAiConnector implements Connector {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiConnector.class);
  /** Probes answer within this, under the worker's 2 s health deadline. */
  static final long PROBE_TIMEOUT_MS = 1_500;
  /** Capability documents stay small: hosted APIs list a hundred models and more. */
  static final int MAX_MODELS = 256;

  private final OpenAiSettings settings;
  private final Vertx vertx;
  private final String workerId;
  private OpenAiHttp http;

  public OpenAiConnector(OpenAiSettings settings, ConnectorEnv env) {
    this.settings = settings;
    this.vertx = env.vertx();
    this.workerId = env.workerId();
  }

  @Override
  public String service() {
    return settings.service();
  }

  @Override
  public Future<Void> start() {
    http = new OpenAiHttp(vertx, settings);
    LOG.info("worker {}: openai connector for {} as service {} (timeout {} s, API key {})", workerId,
      settings.displayUrl(), settings.service(), settings.timeoutS(), settings.apiKey() == null ? "none" : "set");
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return http == null ? Future.succeededFuture() : http.close();
  }

  /**
   * {@code GET /v1/models}: up when it answers (a server without that route, 404, counts as up); an
   * invalid key (401) or a refusal (403) is down, since every job would fail.
   */
  @Override
  public Future<ConnectorHealth> health() {
    if (http == null) {
      return Future.succeededFuture(ConnectorHealth.down("not started"));
    }
    return http.getJson("/v1/models", PROBE_TIMEOUT_MS)
      .map(v -> ConnectorHealth.up())
      .recover(e -> Future.succeededFuture(probeFailure(e)));
  }

  /** {@code {"models": {"<service>": [model ids]}}} from {@code /v1/models}, at most {@value #MAX_MODELS}. */
  @Override
  public Future<JsonObject> capabilities() {
    if (http == null) {
      return Future.failedFuture("not started");
    }
    return http.getJson("/v1/models", PROBE_TIMEOUT_MS).map(list -> {
      JsonArray ids = new JsonArray();
      if (list.getValue("data") instanceof JsonArray data) {
        data.stream()
          .filter(JsonObject.class::isInstance)
          .map(m -> ((JsonObject) m).getValue("id"))
          .filter(String.class::isInstance)
          .limit(MAX_MODELS)
          .forEach(ids::add);
      }
      return new JsonObject().put("models", new JsonObject().put(settings.service(), ids));
    });
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    OpenAiRequest.Parsed parsed = OpenAiRequest.parse(job.payload());
    if (parsed.problem() != null) {
      return Future.succeededFuture(JobOutcome.failure(parsed.problem(), false));
    }
    if (http == null) {
      return Future.succeededFuture(JobOutcome.failure("openai connector not started", true));
    }
    return new OpenAiJob(http, parsed.request(), job, vertx.getOrCreateContext()).start();
  }

  private ConnectorHealth probeFailure(Throwable e) {
    String where = "openai at " + settings.displayUrl() + ": ";
    if (e instanceof OpenAiHttp.StatusException s) {
      return switch (s.status) {
        case 404 -> new ConnectorHealth(true, "no /v1/models on this server");
        case 401 -> ConnectorHealth.down(where + "invalid API key (" + s.getMessage() + ")");
        case 403 -> ConnectorHealth.down(where + "access denied (" + s.getMessage() + ")");
        default -> ConnectorHealth.down(where + s.getMessage());
      };
    }
    return ConnectorHealth.down(http.redact(where + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
  }
}
