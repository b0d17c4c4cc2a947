package io.emp.supervisor;

import io.emp.supervisor.models.ModelManager;
import io.emp.supervisor.models.ModelOutcome;
import io.emp.supervisor.process.ProcessSupervisor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Executes the commands of the machine's command stream. Service names are checked against the
 * machine spec before anything happens (an unknown one is a failed command naming the known ones);
 * processes are only ever started from the spec's argv, so no command text reaches a shell.
 * {@code prefetch_model} and {@code evict_model} go to the {@link ModelManager}; a model name is
 * only ever a catalog key or a file name it validated.
 */
final class SupervisorCommands {
  private static final int MAX_LINES = 5_000;
  private final MachineRunner runner;
  private final ModelManager models;
  private final Runnable onDrained;

  /** Outcome of one command, reported as {@code machine.command_result}. */
  record Outcome(boolean ok, JsonObject result) {
    static Outcome ok(JsonObject result) {
      return new Outcome(true, result);
    }

    static Outcome failed(String error) {
      return new Outcome(false, new JsonObject().put("error", error));
    }
  }

  /**
   * A command under way: {@code accepted} completes when the command stream may move on,
   * {@code outcome} when the result can be reported. The same moment for every command but
   * {@code prefetch_model}, which is accepted once its budget decision is taken: a 15 GB download
   * must not hold back a restart, nor the next prefetch ({@code EMP_MODELS_PARALLEL}).
   */
  record Running(Future<Void> accepted, Future<Outcome> outcome) {
    static Running of(Future<Outcome> outcome) {
      return new Running(outcome.transform(ar -> Future.succeededFuture()), outcome);
    }
  }

  /** {@code models} is null when the model manager is not enabled. */
  SupervisorCommands(MachineRunner runner, ModelManager models, Runnable onDrained) {
    this.runner = runner;
    this.models = models;
    this.onDrained = onDrained;
  }

  Running start(String command, JsonObject args) {
    return switch (command) {
      case "prefetch_model", "evict_model" -> model(command, args);
      default -> Running.of(run(command, args));
    };
  }

  private Running model(String command, JsonObject args) {
    if (models == null) {
      return Running.of(Future.succeededFuture(Outcome.failed("the model manager is not enabled on this machine"
        + " (EMP_MODELS_DIR or EMP_MODELS_CATALOG)")));
    }
    if (!(args.getValue("name") instanceof String name)) {
      return Running.of(Future.succeededFuture(Outcome.failed("name is required: the model to "
        + (command.equals("prefetch_model") ? "download" : "delete"))));
    }
    if (command.equals("evict_model")) {
      return Running.of(models.evict(name).map(SupervisorCommands::outcome));
    }
    ModelOutcome.Prefetch p = models.prefetch(name);
    return new Running(p.admitted(), p.outcome().map(SupervisorCommands::outcome));
  }

  private static Outcome outcome(ModelOutcome o) {
    return new Outcome(o.ok(), o.result());
  }

  Future<Outcome> run(String command, JsonObject args) {
    try {
      return switch (command) {
        case "restart_service" -> service(args, (sup, name) -> sup.restart(name));
        case "stop_service" -> service(args, (sup, name) -> sup.stop(name));
        case "start_service" -> service(args, (sup, name) -> sup.start(name));
        case "tail_logs" -> tail(args);
        case "drain" -> runner.drainAndStop().map(v -> {
          onDrained.run();
          return Outcome.ok(new JsonObject().put("phase", runner.phase()));
        });
        case "restart_machine" -> runner.restartMachine().map(v -> Outcome.ok(new JsonObject().put("phase", runner.phase())));
        default -> Future.succeededFuture(Outcome.failed("command " + command + " is not supported by this supervisor"));
      };
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(Outcome.failed(e.getMessage()));
    }
  }

  private interface ServiceOp {
    Future<Void> apply(ProcessSupervisor supervisor, String name);
  }

  private Future<Outcome> service(JsonObject args, ServiceOp op) {
    String name = serviceName(args);
    return op.apply(runner.supervisor(), name)
      .map(v -> Outcome.ok(new JsonObject().put("service", name).put("instances", status(name))))
      .recover(e -> Future.succeededFuture(Outcome.failed(name + ": " + e.getMessage())));
  }

  private Future<Outcome> tail(JsonObject args) {
    String name = serviceName(args);
    Object n = args.getValue("lines");
    int lines = n instanceof Number num ? num.intValue() : 100;
    if (lines < 1 || lines > MAX_LINES) {
      throw new IllegalArgumentException("lines must be 1-" + MAX_LINES);
    }
    List<String> instances = runner.instancesOf(name);
    JsonArray out = new JsonArray();
    for (String instance : instances) {
      for (String line : runner.supervisor().tail(instance, lines)) {
        out.add(instances.size() > 1 ? instance + " | " + line : line);
      }
    }
    return Future.succeededFuture(Outcome.ok(new JsonObject().put("service", name).put("lines", out)));
  }

  private JsonArray status(String name) {
    List<String> instances = runner.instancesOf(name);
    JsonArray out = new JsonArray();
    runner.supervisor().status().stream().filter(s -> instances.contains(s.name())).forEach(s -> out.add(s.toJson()));
    return out;
  }

  private String serviceName(JsonObject args) {
    Object v = args.getValue("service");
    if (!(v instanceof String name) || runner.instancesOf(name).isEmpty()) {
      List<String> known = runner.supervisor() == null ? List.of()
        : runner.supervisor().status().stream().map(s -> s.name()).toList();
      throw new IllegalArgumentException("unknown service " + v + "; this machine runs " + known);
    }
    return name;
  }
}
