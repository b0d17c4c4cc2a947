package io.emp.supervisor.process;

import io.vertx.core.json.JsonObject;

/**
 * A snapshot of one instance.
 *
 * @param name         instance name ({@code comfyui-gpu0})
 * @param service      the spec's service name ({@code comfyui})
 * @param gpu          GPU index of a {@code per_gpu} instance, else null
 * @param port         its {@code PORT}, or null
 * @param state        current state
 * @param pid          the running process, or null
 * @param restarts     automatic and explicit restarts since the supervisor started
 * @param uptimeMs     since the current process was spawned; 0 when none runs
 * @param lastExitCode exit code of the previous process (128 + signal when killed), or null
 * @param memoryBytes  resident memory of the process tree (VmRSS), sampled every few seconds; null when unknown
 * @param lastError    why it last failed, crashed or was not started; null when nothing went wrong
 */
public record ServiceStatus(
  String name,
  String service,
  Integer gpu,
  Integer port,
  ServiceState state,
  Long pid,
  int restarts,
  long uptimeMs,
  Integer lastExitCode,
  Long memoryBytes,
  String lastError) {

  /** {@code {"name", "service", "gpu", "port", "state", "pid", "restarts", "uptime_ms", "last_exit_code", "memory_bytes", "last_error"}}; nulls omitted. */
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
      .put("name", name)
      .put("service", service)
      .put("state", state.wire())
      .put("restarts", restarts)
      .put("uptime_ms", uptimeMs);
    putIf(j, "gpu", gpu);
    putIf(j, "port", port);
    putIf(j, "pid", pid);
    putIf(j, "last_exit_code", lastExitCode);
    putIf(j, "memory_bytes", memoryBytes);
    putIf(j, "last_error", lastError);
    return j;
  }

  private static void putIf(JsonObject j, String key, Object value) {
    if (value != null) {
      j.put(key, value);
    }
  }
}
