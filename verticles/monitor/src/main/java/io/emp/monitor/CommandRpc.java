package io.emp.monitor;

import io.emp.api.ApiError;
import io.emp.api.Operations;
import io.emp.core.LogSafe;
import io.emp.core.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code emp.monitor.command}: what an operator does from the page (docs/monitor.md#command-rpc),
 * through the api's {@link Operations} — the same validation and the same errors as the HTTP routes.
 */
final class CommandRpc {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRpc.class);
  static final int MAX_BATCH = 100;
  private static final Set<String> SERVICE_OPS = Set.of("restart_service", "stop_service", "start_service");
  private static final Set<String> MACHINE_OPS = Set.of("restart_machine", "drain");

  private final Operations ops;
  private final OperatorToken token;
  private MessageConsumer<Object> consumer;

  CommandRpc(Operations ops, OperatorToken token) {
    this.ops = ops;
    this.token = token;
  }

  Future<Void> register(EventBus bus) {
    consumer = bus.<Object>localConsumer(Addresses.MONITOR_COMMAND).handler(m -> Rpc.serve(m, token, null, this::handle));
    return consumer.completion();
  }

  Future<Void> unregister() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  Future<?> handle(JsonObject body) {
    return handle(body, io.emp.core.auth.Principal.ADMIN);
  }

  /** One operation by {@code who}: each checks its scope (docs/security.md#scopes) before anything runs. */
  Future<?> handle(JsonObject body, io.emp.core.auth.Principal who) {
    Object rawOp = body.getValue("op");
    if (!(rawOp instanceof String op)) {
      throw ApiError.invalid("op", "must be one of submit, cancel, retry, restart_service, stop_service,"
        + " start_service, restart_machine, drain, delete_machine, tail_logs");
    }
    Future<?> result = switch (op) {
      case "submit" -> {
        require(who, io.emp.core.auth.Scope.SUBMIT, op);
        yield submit(body, who);
      }
      case "cancel" -> {
        String id = string(body, "id");
        yield ops.cancel(id, who).map(st -> new JsonObject().put("id", id).put("status", st));
      }
      case "retry" -> {
        require(who, io.emp.core.auth.Scope.OPERATE, op);
        String id = string(body, "id");
        yield ops.retry(id).map(v -> new JsonObject().put("id", id).put("status", "queued"));
      }
      case "delete_machine" -> {
        require(who, io.emp.core.auth.Scope.OPERATE, op);
        yield ops.deleteMachine(string(body, "machine"));
      }
      case "tail_logs" -> {
        require(who, io.emp.core.auth.Scope.READ, op);
        yield ops.tailLogs(string(body, "machine"), string(body, "service"), lines(body));
      }
      default -> {
        if (SERVICE_OPS.contains(op) || MACHINE_OPS.contains(op)) {
          require(who, io.emp.core.auth.Scope.OPERATE, op);
        }
        if (SERVICE_OPS.contains(op)) {
          yield ops.serviceCommand(string(body, "machine"), string(body, "service"), op);
        }
        if (MACHINE_OPS.contains(op)) {
          yield ops.machineCommand(string(body, "machine"), op);
        }
        throw ApiError.invalid("op", "unknown operation " + op);
      }
    };
    return result.onSuccess(r -> {
      if (!op.equals("tail_logs")) {
        LOG.info("operator {}: {}", op, LogSafe.of(summary(body)));
      }
    });
  }

  private static void require(io.emp.core.auth.Principal who, io.emp.core.auth.Scope scope, String op) {
    if (!who.can(scope)) {
      throw new ApiError(403, "FORBIDDEN", "token", op + " needs the " + scope.wire() + " scope");
    }
  }

  /** A batch of 1-100 copies of one job, submitted in order; stops at the first refusal. */
  private Future<JsonObject> submit(JsonObject body, io.emp.core.auth.Principal who) {
    Object job = body.getValue("job");
    if (!(job instanceof JsonObject j)) {
      throw ApiError.invalid("job", "must be a JSON object (the POST /api/jobs body)");
    }
    Object rawCount = body.getValue("count", 1);
    if (!(rawCount instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
      || n.intValue() < 1 || n.intValue() > MAX_BATCH) {
      throw ApiError.invalid("count", "must be an integer 1-" + MAX_BATCH);
    }
    int count = n.intValue();
    if (count > 1 && j.getValue("idempotency_key") != null) {
      throw ApiError.invalid("job.idempotency_key", "a batch cannot share one idempotency key");
    }
    List<String> ids = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      chain = chain.compose(v -> ops.submit(j.copy(), who).map(s -> {
        ids.add(s.id());
        return null;
      }));
    }
    return chain
      .map(v -> new JsonObject().put("ids", new JsonArray(ids)).put("status", "queued"))
      .recover(e -> Future.failedFuture(batchRefusal(e, ids.size(), count)));
  }

  /**
   * Submission fields are named as the page shows them ({@code job.service}, {@code job.payload}); a
   * batch refused part-way says how many went in (those stay submitted: each is a whole job).
   */
  private static ApiError batchRefusal(Throwable e, int submitted, int count) {
    Operations.Refusal r = Operations.error(e);
    String field = r.error().getString("field");
    if (r.status() == 400 || r.status() == 413) {
      field = field == null ? "job" : "job." + field;
    }
    String message = r.error().getString("message");
    if (submitted > 0) {
      message = "submitted " + submitted + " of " + count + ", then refused: " + message;
    }
    return new ApiError(r.status(), r.error().getString("code"), field, message);
  }

  private static String string(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (!(v instanceof String s) || s.isBlank()) {
      throw ApiError.invalid(field, "is required (a string)");
    }
    return s;
  }

  private static int lines(JsonObject body) {
    Object v = body.getValue("lines", 100);
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.intValue() >= 1 && n.intValue() <= 5000) {
      return n.intValue();
    }
    throw ApiError.invalid("lines", "must be an integer 1-5000");
  }

  private static String summary(JsonObject body) {
    JsonObject s = body.copy();
    s.remove("op");
    if (s.getValue("job") instanceof JsonObject j) {
      s.put("job", new JsonObject().put("service", j.getValue("service"))); // never log payloads
    }
    return s.encode();
  }
}
