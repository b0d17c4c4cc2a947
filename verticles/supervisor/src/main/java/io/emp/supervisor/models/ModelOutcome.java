package io.emp.supervisor.models;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The outcome of {@code prefetch_model} or {@code evict_model}, reported as the command's result:
 * {@code {model, outcome, …}} with outcome {@code downloaded}, {@code present}, {@code evicted} or
 * {@code absent} ({@code ok}), {@code refused} (unknown model, over budget, in use — nothing changed)
 * or {@code failed} (the download or the deletion went wrong; {@code error} says why).
 */
public record ModelOutcome(boolean ok, JsonObject result) {

  static ModelOutcome ok(String model, String outcome) {
    return new ModelOutcome(true, new JsonObject().put("model", model).put("outcome", outcome));
  }

  static ModelOutcome refused(String model, String reason) {
    return new ModelOutcome(false, new JsonObject().put("model", model).put("outcome", "refused").put("error", reason));
  }

  static ModelOutcome failed(String model, String reason) {
    return new ModelOutcome(false, new JsonObject().put("model", model).put("outcome", "failed").put("error", reason));
  }

  /** Adds a detail to the result. */
  ModelOutcome put(String key, Object value) {
    result.put(key, value);
    return this;
  }

  /** The outcome for a failure: {@link Refusal} → refused, anything else → failed. */
  static ModelOutcome of(String model, Throwable e) {
    return e instanceof Refusal ? refused(model, e.getMessage()) : failed(model, String.valueOf(e.getMessage()));
  }

  /**
   * A {@code prefetch_model} in progress: {@code admitted} completes once the budget decision is taken
   * (the command stream may move on), {@code outcome} when the model is on disk or the prefetch ended
   * otherwise (immediately for present or refused).
   */
  public record Prefetch(Future<Void> admitted, Future<ModelOutcome> outcome) {
    static Prefetch done(ModelOutcome o) {
      return new Prefetch(Future.succeededFuture(), Future.succeededFuture(o));
    }
  }

  /** An expected refusal: the message is the reason given to the operator. */
  static final class Refusal extends RuntimeException {
    Refusal(String message) {
      super(message, null, false, false);
    }
  }
}
