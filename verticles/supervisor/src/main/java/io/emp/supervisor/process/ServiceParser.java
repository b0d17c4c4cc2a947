package io.emp.supervisor.process;

import io.emp.supervisor.process.Readiness.Kind;
import io.emp.supervisor.process.RestartSpec.Policy;
import io.emp.supervisor.process.ServiceSpec.Instances;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The fields of one service entry of the spec, each checked and named in errors. */
final class ServiceParser {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private ServiceParser() {
  }

  static ServiceSpec parse(String name, SpecNode n) {
    n.allowOnly("command", "working_dir", "env", "instances", "port_base", "readiness", "restart", "stop", "depends_on");
    Integer portBase = n.has("port_base") ? (int) n.integer("port_base", 0, 1, 65_535) : null;
    SpecNode stop = n.node("stop");
    Long grace = null;
    if (stop != null) {
      stop.allowOnly("grace_ms");
      grace = stop.has("grace_ms") ? stop.integer("grace_ms", 0, 0, 3_600_000) : null;
    }
    return new ServiceSpec(name, command(n), n.string("working_dir", null), env(n), instances(n), portBase,
      readiness(n, portBase), restart(n), grace, dependsOn(n));
  }

  private static List<String> command(SpecNode n) {
    Object v = n.get("command");
    if (v == null) {
      throw n.error("command", "is required: an argv list such as [\"python3\", \"main.py\", \"--port\", \"${PORT}\"]");
    }
    if (v instanceof String s) {
      throw n.error("command", "must be an argv list such as [\"python3\", \"main.py\"], not a shell string (\"" + s
        + "\"): commands are never run through a shell");
    }
    List<?> list = n.list("command");
    if (list.isEmpty()) {
      throw n.error("command", "must not be empty");
    }
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        throw n.error("command[" + i + "]", "must not be null");
      }
      argv.add(SpecNode.scalar(n.where("command[" + i + "]"), list.get(i)));
    }
    return argv;
  }

  private static Map<String, String> env(SpecNode n) {
    SpecNode env = n.node("env");
    Map<String, String> out = new LinkedHashMap<>();
    if (env == null) {
      return out;
    }
    for (String k : env.keys()) {
      if (!ENV_NAME.matcher(k).matches()) {
        throw env.error(k, "invalid environment variable name");
      }
      if (!env.has(k)) {
        throw env.error(k, "has no value (write \"\" for an empty one)");
      }
      out.put(k, env.string(k, ""));
    }
    return out;
  }

  private static Instances instances(SpecNode n) {
    Object v = n.get("instances");
    if (v == null) {
      return Instances.ONE;
    }
    if ("per_gpu".equals(v)) {
      return Instances.PER_GPU;
    }
    if (v instanceof String s) {
      throw n.error("instances", "must be per_gpu or a count, not \"" + s + "\"");
    }
    return new Instances(false, (int) SpecNode.integer(n.where("instances"), v, 0, 64));
  }

  private static Readiness readiness(SpecNode n, Integer portBase) {
    Object v = n.get("readiness");
    if (v == null || "none".equals(v)) {
      return Readiness.NONE;
    }
    SpecNode r = n.node("readiness");
    r.allowOnly("http", "tcp", "log", "timeout_s");
    long timeoutMs = r.integer("timeout_s", Readiness.DEFAULT_TIMEOUT_MS / 1000, 1, 86_400) * 1000;
    List<String> kinds = r.keys().stream().filter(k -> !k.equals("timeout_s")).toList();
    if (kinds.size() != 1) {
      throw n.error("readiness", "needs exactly one of http, tcp or log (or the word none), found " + kinds);
    }
    String kind = kinds.get(0);
    if (!kind.equals("log") && portBase == null) {
      throw r.error(kind, "needs port_base on the service: the probe goes to 127.0.0.1:<port>");
    }
    return probe(r, kind, timeoutMs);
  }

  private static Readiness probe(SpecNode r, String kind, long timeoutMs) {
    return switch (kind) {
      case "http" -> {
        String path = r.string("http", "");
        if (!path.startsWith("/")) {
          throw r.error("http", "must start with / (a path such as /system_stats)");
        }
        yield new Readiness(Kind.HTTP, path, timeoutMs);
      }
      case "tcp" -> {
        if (!Boolean.TRUE.equals(r.get("tcp"))) {
          throw r.error("tcp", "must be true");
        }
        yield new Readiness(Kind.TCP, null, timeoutMs);
      }
      default -> {
        String text = r.string("log", "");
        if (text.isEmpty()) {
          throw r.error("log", "must be a non-empty regular expression or text");
        }
        yield new Readiness(Kind.LOG, text, timeoutMs);
      }
    };
  }

  private static RestartSpec restart(SpecNode n) {
    Object v = n.get("restart");
    if (v == null) {
      return RestartSpec.DEFAULT;
    }
    if (v instanceof String s) {
      return withPolicy(policy(n, "restart", s));
    }
    SpecNode r = n.node("restart");
    r.allowOnly("policy", "backoff_initial_ms", "backoff_max_ms", "crash_loop", "reset_after_s");
    Policy policy = r.has("policy") ? policy(r, "policy", r.string("policy", "")) : Policy.ALWAYS;
    long initial = r.integer("backoff_initial_ms", RestartSpec.DEFAULT_BACKOFF_INITIAL_MS, 1, 3_600_000);
    long max = r.integer("backoff_max_ms", Math.max(initial, RestartSpec.DEFAULT_BACKOFF_MAX_MS), 1, 3_600_000);
    if (max < initial) {
      throw r.error("backoff_max_ms", "must be at least backoff_initial_ms (" + initial + ")");
    }
    int restarts = RestartSpec.DEFAULT_CRASH_LOOP_RESTARTS;
    long windowMs = RestartSpec.DEFAULT_CRASH_LOOP_WINDOW_MS;
    SpecNode loop = r.node("crash_loop");
    if (loop != null) {
      loop.allowOnly("restarts", "window_s");
      restarts = (int) loop.integer("restarts", restarts, 1, 10_000);
      windowMs = loop.integer("window_s", windowMs / 1000, 1, 86_400) * 1000;
    }
    long resetMs = r.integer("reset_after_s", RestartSpec.DEFAULT_RESET_AFTER_MS / 1000, 0, 86_400) * 1000;
    return new RestartSpec(policy, initial, max, restarts, windowMs, resetMs);
  }

  private static RestartSpec withPolicy(Policy p) {
    RestartSpec d = RestartSpec.DEFAULT;
    return new RestartSpec(p, d.backoffInitialMs(), d.backoffMaxMs(), d.crashLoopRestarts(), d.crashLoopWindowMs(),
      d.resetAfterMs());
  }

  private static Policy policy(SpecNode n, String key, String value) {
    for (Policy p : Policy.values()) {
      if (p.wire().equals(value)) {
        return p;
      }
    }
    throw n.error(key, "must be always, on-failure or never, not \"" + value + "\"");
  }

  private static List<String> dependsOn(SpecNode n) {
    Object v = n.get("depends_on");
    if (v instanceof String s) {
      throw n.error("depends_on", "must be a list such as [" + s + "]");
    }
    List<?> list = n.list("depends_on");
    List<String> out = new ArrayList<>();
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        out.add(SpecNode.scalar(n.where("depends_on[" + i + "]"), list.get(i)));
      }
    }
    return out;
  }
}
