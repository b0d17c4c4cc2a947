package io.emp.worker.connector;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A backend a worker runs jobs on (ComfyUI, Ollama, an OpenAI-compatible API, A1111, a REST or
 * WebSocket service, the simulator). One instance per worker id, created by the
 * {@link ConnectorRegistry} from the connector's parsed settings and the worker's
 * {@link ConnectorEnv}; every method is called on that worker's event-loop context.
 *
 * <p>Life cycle: {@link #start()} once, before the worker registers; then {@link #capabilities()}
 * (merged into the worker's capability document); then any number of concurrent {@link #run} calls
 * (up to the worker's slots); {@link #health()} whenever {@code /ready} is asked; {@link #stop()}
 * once, after the worker has released its jobs and left.
 *
 * <p>Rules a connector must follow:
 * <ul>
 *   <li>never block the event loop: use the Vert.x web client, timers and {@code executeBlocking};</li>
 *   <li>never throw from {@link #run}: return a {@link JobOutcome} — a failed future or an exception is
 *       recorded as a retryable failure;</li>
 *   <li>classify failures: bad input (invalid payload, HTTP 4xx) is {@code retryable = false}, anything
 *       transient (connection refused, 5xx, timeouts) is {@code retryable = true};</li>
 *   <li>honour cancellation ({@link JobContext#onCancel}): stop the backend work (e.g. ComfyUI
 *       {@code POST /interrupt}) and complete the future promptly; the worker waits a few seconds for
 *       that before it frees the slot;</li>
 *   <li>report progress through {@link JobContext#progress}; the worker throttles it.</li>
 * </ul>
 * The connector never talks to Redis: the worker owns every broker call.
 */
public interface Connector {

  /** The service name jobs ask for ({@code service} of a submission), e.g. {@code comfyui-gpu0}. */
  String service();

  /** Prepares the backend (connect, wait for it to answer). Failing fails the worker's deployment. */
  default Future<Void> start() {
    return Future.succeededFuture();
  }

  /** Releases what {@link #start()} opened. Called after the worker has left the broker. */
  default Future<Void> stop() {
    return Future.succeededFuture();
  }

  /**
   * A capability fragment merged (deeply) into the worker's document, e.g.
   * {@code {"models": {"comfyui": ["sdxl"]}, "hardware": {"gpu_memory_gb": 24}}}. Keys follow
   * docs/matching.md; {@code services} is set by the worker and must not appear here.
   */
  default Future<JsonObject> capabilities() {
    return Future.succeededFuture(new JsonObject());
  }

  /** A cheap probe with its own timeout; shown on {@code /ready}. */
  default Future<ConnectorHealth> health() {
    return Future.succeededFuture(ConnectorHealth.up());
  }

  /** Runs one job to its outcome. Called concurrently for different jobs when the worker has several slots. */
  Future<JobOutcome> run(JobContext job);
}
