package io.emp.worker.connector.ollama;

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
 * The {@code ollama} connector: runs LLM jobs on an Ollama server ({@code /api/generate} or
 * {@code /api/chat}, always streamed as NDJSON), pulls missing models on demand, advertises the
 * installed models ({@code /api/tags}) and probes {@code /api/version}. See docs/connectors.md.
 *
 * <p>{@link #start()} only opens the HTTP client: a server that is down does not stop the worker; the
 * health monitor withdraws the service until it answers.
 */
public final class OllamaConnector implements Connector {
  private static final Logger LOG = LoggerFactory.getLogger(OllamaConnector.class);
  /** Probes answer within this, under the worker's 2 s health deadline. */
  static final long PROBE_TIMEOUT_MS = 1_500;
  static final int MAX_MODELS = 500;

  private final OllamaSettings settings;
  private final Vertx vertx;
  private final String workerId;
  private OllamaHttp http;

  public OllamaConnector(OllamaSettings settings, ConnectorEnv env) {
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
    http = new OllamaHttp(vertx, settings);
    LOG.info("worker {}: ollama connector for {} as service {} (timeout {} s, pull {})", workerId,
      settings.displayUrl(), settings.service(), settings.timeoutS(), settings.pull() ? "on" : "off");
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return http == null ? Future.succeededFuture() : http.close();
  }

  @Override
  public Future<ConnectorHealth> health() {
    if (http == null) {
      return Future.succeededFuture(ConnectorHealth.down("not started"));
    }
    return http.getJson("/api/version", PROBE_TIMEOUT_MS)
      .map(v -> ConnectorHealth.up())
      .recover(e -> Future.succeededFuture(ConnectorHealth.down("ollama at " + settings.displayUrl() + ": "
        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()))));
  }

  /** {@code {"models": {"<service>": [installed model names]}}} from {@code /api/tags}; fails when it cannot be read. */
  @Override
  public Future<JsonObject> capabilities() {
    if (http == null) {
      return Future.failedFuture("not started");
    }
    return http.getJson("/api/tags", PROBE_TIMEOUT_MS).map(tags -> {
      JsonArray names = new JsonArray();
      Object models = tags.getValue("models");
      if (models instanceof JsonArray list) {
        list.stream()
          .filter(JsonObject.class::isInstance)
          .map(m -> ((JsonObject) m).getValue("name", ((JsonObject) m).getValue("model")))
          .filter(String.class::isInstance)
          .limit(MAX_MODELS)
          .forEach(names::add);
      }
      return new JsonObject().put("models", new JsonObject().put(settings.service(), names));
    });
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    OllamaRequest.Parsed parsed = OllamaRequest.parse(job.payload());
    if (parsed.problem() != null) {
      return Future.succeededFuture(JobOutcome.failure(parsed.problem(), false));
    }
    if (http == null) {
      return Future.succeededFuture(JobOutcome.failure("ollama connector not started", true));
    }
    return new OllamaJob(http, settings, parsed.request(), job, vertx.getOrCreateContext()).start();
  }
}
