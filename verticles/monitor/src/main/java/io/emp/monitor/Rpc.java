package io.emp.monitor;

import io.emp.api.Operations;
import io.emp.core.LogSafe;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request-reply plumbing shared by the monitor's two RPC addresses: the operator token is checked on
 * every message (whatever path it came by), the body must be a JSON object, and a failure is answered
 * as the api answers it — {@code failureCode} = HTTP status, message = the api's error object as JSON.
 */
final class Rpc {
  private static final Logger LOG = LoggerFactory.getLogger(Rpc.class);

  private Rpc() {
  }

  /**
   * Runs {@code handler} for a JSON-object request from a known token and replies with its result;
   * {@code scope} (null = any known token) is required before the handler runs.
   */
  static void serve(Message<Object> msg, OperatorToken token, io.emp.core.auth.Scope scope,
                    java.util.function.BiFunction<JsonObject, io.emp.core.auth.Principal, Future<?>> handler) {
    String presented = msg.headers() == null ? null : msg.headers().get(OperatorToken.HEADER);
    int refusal = scope == null ? token.known(presented) : token.check(presented, scope);
    if (refusal != 0) {
      fail(msg, refusal, refusal == 401 ? "UNAUTHORIZED" : "FORBIDDEN", "token",
        refusal == 401 ? "a token is required (message header 'token')"
          : "unknown token" + (scope == null ? "" : ", or it lacks the " + scope.wire() + " scope"));
      return;
    }
    io.emp.core.auth.Principal principal = token.principal(presented);
    JsonObject body;
    if (msg.body() == null) {
      body = new JsonObject();
    } else if (msg.body() instanceof JsonObject o) {
      body = o;
    } else {
      fail(msg, 400, "INVALID", "body", "must be a JSON object");
      return;
    }
    Future<?> result;
    try {
      result = handler.apply(body, principal);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        Operations.Refusal r = Operations.error(ar.cause());
        LOG.debug("{} refused: {}", msg.address(), LogSafe.of(r.error()));
        msg.fail(r.status(), r.error().encode());
      }
    });
  }

  static void fail(Message<?> msg, int status, String code, String field, String message) {
    msg.fail(status, new JsonObject().put("code", code).put("field", field).put("message", message).encode());
  }
}
