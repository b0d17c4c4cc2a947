package io.emp.worker.connector.comfyui;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Questions and orders about one queued prompt, built on {@link ComfyUiApi}: where is it (queued, finished
 * or lost), its history entry once written, and how to stop it.
 */
final class PromptControl {
  private static final int HISTORY_ATTEMPTS = 20;
  private static final long HISTORY_RETRY_MS = 100;

  /** Where a prompt is: still {@code queued} (pending or running), finished ({@code history} set), or neither (lost). */
  record Whereabouts(boolean queued, JsonObject history) {
    boolean lost() {
      return !queued && history == null;
    }
  }

  private final Vertx vertx;
  private final ComfyUiApi api;

  PromptControl(Vertx vertx, ComfyUiApi api) {
    this.vertx = vertx;
    this.api = api;
  }

  /**
   * Asks {@code /queue} first, then {@code /history}: a prompt leaves the queue only when its history entry
   * is written, so in this order a prompt is never missed between the two.
   */
  Future<Whereabouts> whereabouts(String promptId) {
    return api.queue(api.timeoutMs()).compose(q -> q.contains(promptId)
      ? Future.succeededFuture(new Whereabouts(true, null))
      : api.history(promptId).map(entry -> new Whereabouts(false, entry)));
  }

  /**
   * The history entry of a prompt the socket said is done. {@code execution_success} is sent just before
   * ComfyUI writes the entry, so an empty answer is asked again a few times (about 2 s in all).
   */
  Future<JsonObject> historyWhenWritten(String promptId) {
    return historyWhenWritten(promptId, 1);
  }

  private Future<JsonObject> historyWhenWritten(String promptId, int attempt) {
    return api.history(promptId).compose(entry -> {
      if (entry != null) {
        return Future.succeededFuture(entry);
      }
      if (attempt >= HISTORY_ATTEMPTS) {
        return Future.failedFuture(new ComfyUiException("ComfyUI reported prompt " + promptId
          + " finished but has no history entry for it", true));
      }
      return vertx.timer(HISTORY_RETRY_MS).compose(v -> historyWhenWritten(promptId, attempt + 1));
    });
  }

  /**
   * Deletes the prompt while it is pending ({@code POST /queue {"delete": [id]}}; if it started meanwhile it
   * is interrupted after all), interrupts it while it runs ({@code POST /interrupt}). When the queue cannot
   * be read, interrupts anyway; fails only when ComfyUI cannot be reached at all.
   */
  Future<Void> stop(String promptId, long timeoutMs) {
    return api.queue(timeoutMs)
      .compose(q -> {
        if (q.pending().contains(promptId)) {
          return api.unqueue(promptId, timeoutMs)
            .compose(v -> api.queue(timeoutMs))
            .compose(again -> again.running().contains(promptId) ? api.interrupt(promptId, timeoutMs) : Future.succeededFuture());
        }
        return q.running().contains(promptId) ? api.interrupt(promptId, timeoutMs) : Future.<Void>succeededFuture();
      })
      .recover(e -> api.interrupt(promptId, timeoutMs));
  }
}
