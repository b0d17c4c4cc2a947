package io.emp.worker.connector.comfyui;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code comfyui} connector: runs ComfyUI API-format graphs ({@code payload.prompt}) on the ComfyUI of
 * this worker's GPU (docs/connectors.md). Each job is a {@link PromptRun}. {@link #start()}
 * does not contact ComfyUI — a ComfyUI that is down only makes {@link #health()} report it, and the worker
 * withdraws the service until it answers again (then it re-reads {@link #capabilities()}).
 */
public final class ComfyUiConnector implements Connector {
  private static final Logger LOG = LoggerFactory.getLogger(ComfyUiConnector.class);
  private static final long HEALTH_TIMEOUT_MS = 1_500;
  private static final long CAPABILITIES_TIMEOUT_MS = 4_000;

  private final ComfyUiSettings settings;
  private final Vertx vertx;
  private final String workerId;
  private final String service;
  private final URI baseUrl;
  private ComfyUiApi api;
  private PromptControl control;
  private OutputFiles outputs;

  public ComfyUiConnector(ComfyUiSettings settings, ConnectorEnv env) {
    this.settings = settings;
    this.vertx = env.vertx();
    this.workerId = env.workerId();
    this.service = settings.serviceFor(env.workerIndex());
    this.baseUrl = settings.baseUrl(env.workerIndex());
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public Future<Void> start() {
    api = new ComfyUiApi(vertx, baseUrl, settings.timeoutMs());
    control = new PromptControl(vertx, api);
    outputs = new OutputFiles(vertx, api, settings.inlineOutputBytes(), settings.outputDir());
    LOG.info("worker {}: connector {} uses ComfyUI at {}; outputs over {} bytes go to {}", workerId, service,
      redacted(baseUrl), settings.inlineOutputBytes(), settings.outputDir());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return api == null ? Future.succeededFuture() : api.close();
  }

  /** {@code GET /system_stats} with a short timeout. */
  @Override
  public Future<ConnectorHealth> health() {
    if (api == null) {
      return Future.succeededFuture(ConnectorHealth.down("not started"));
    }
    long timeout = Math.min(HEALTH_TIMEOUT_MS, settings.timeoutMs());
    return api.systemStats(timeout)
      // a pooled keep-alive connection of a ComfyUI that just died fails first; ask once more for the real reason
      .recover(e -> e instanceof HttpClosedException ? api.systemStats(timeout) : Future.failedFuture(e))
      .map(stats -> ConnectorHealth.up())
      .otherwise(e -> ConnectorHealth.down(reason(e)));
  }

  /**
   * {@code {"hardware": {"gpu_model", "gpu_memory_gb"}, "models": {"<service>": [checkpoints..., loras...]}}};
   * a part whose request failed is left out, and all failing fails the fragment.
   */
  @Override
  public Future<JsonObject> capabilities() {
    if (api == null) {
      return Future.failedFuture("not started");
    }
    Future<JsonObject> stats = api.systemStats(CAPABILITIES_TIMEOUT_MS);
    Future<JsonObject> checkpoints = api.nodeInfo("CheckpointLoaderSimple", CAPABILITIES_TIMEOUT_MS);
    Future<JsonObject> loras = api.nodeInfo("LoraLoader", CAPABILITIES_TIMEOUT_MS);
    return Future.join(stats, checkpoints, loras).transform(ar -> {
      if (stats.failed() && checkpoints.failed() && loras.failed()) {
        return Future.failedFuture(stats.cause());
      }
      JsonObject doc = new JsonObject();
      JsonObject hardware = stats.succeeded() ? SystemInfo.hardware(stats.result()) : null;
      if (hardware != null) {
        doc.put("hardware", hardware);
      }
      if (checkpoints.succeeded() || loras.succeeded()) {
        Set<String> models = new LinkedHashSet<>();
        if (checkpoints.succeeded()) {
          models.addAll(SystemInfo.choices(checkpoints.result(), "CheckpointLoaderSimple", "ckpt_name"));
        }
        if (loras.succeeded()) {
          models.addAll(SystemInfo.choices(loras.result(), "LoraLoader", "lora_name"));
        }
        doc.put("models", new JsonObject().put(service, new JsonArray(models.stream().toList())));
      }
      return Future.succeededFuture(doc);
    });
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    if (api == null) {
      return Future.succeededFuture(JobOutcome.failure("connector " + service + " is not started", true));
    }
    String problem = problem(job.payload().getValue("prompt"));
    if (problem != null) {
      return Future.succeededFuture(JobOutcome.failure(problem, false));
    }
    JsonObject graph = job.payload().getJsonObject("prompt");
    return new PromptRun(vertx.getOrCreateContext(), api, control, outputs, settings, job, graph).start();
  }

  /** Why {@code payload.prompt} is not an API-format graph ({@code {"<id>": {"class_type", "inputs"}}}), or null. */
  static String problem(Object prompt) {
    if (prompt == null) {
      return "payload.prompt is required: the ComfyUI API-format graph (a JSON object of nodes)";
    }
    if (!(prompt instanceof JsonObject graph)) {
      return "payload.prompt must be a JSON object (the ComfyUI API-format graph), got "
        + (prompt instanceof JsonArray ? "an array" : prompt.getClass().getSimpleName().toLowerCase());
    }
    if (graph.isEmpty()) {
      return "payload.prompt is an empty graph";
    }
    for (String id : graph.fieldNames()) {
      if (!(graph.getValue(id) instanceof JsonObject node) || !(node.getValue("class_type") instanceof String)) {
        return "payload.prompt node " + id + " must be an object with a class_type";
      }
    }
    return null;
  }

  static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return "connection refused: " + t.getMessage();
      }
      if (t instanceof TimeoutException) {
        return "no answer in time: " + t.getMessage();
      }
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static String redacted(URI u) {
    return u.getRawUserInfo() == null ? u.toString() : u.toString().replace(u.getRawUserInfo() + "@", "***@");
  }
}
