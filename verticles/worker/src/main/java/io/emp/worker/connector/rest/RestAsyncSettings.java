package io.emp.worker.connector.rest;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.util.List;
import java.util.Set;

/**
 * Settings of the {@code rest_async} connector (submit, then poll a status URL).
 *
 * @param service        {@code EMP_REST_ASYNC_SERVICE} (rest_async)
 * @param endpoint       {@code EMP_REST_ASYNC_BASE_URL} (required), {@code _AUTH} (none), {@code _TIMEOUT_S}
 *                       (60, per HTTP request), {@code _HEALTH_PATH} (/health)
 * @param idField        {@code EMP_REST_ASYNC_ID_FIELD} (id): the remote job id in the submit answer
 * @param statusPath     {@code EMP_REST_ASYNC_STATUS_PATH} (/jobs/{id}): polled below the base URL
 * @param stateField     {@code EMP_REST_ASYNC_STATE_FIELD} (status)
 * @param progressField  {@code EMP_REST_ASYNC_PROGRESS_FIELD} (progress)
 * @param progressScale  {@code EMP_REST_ASYNC_PROGRESS_SCALE} (100): the value meaning "done", 100 or 1
 * @param resultField    {@code EMP_REST_ASYNC_RESULT_FIELD} (result)
 * @param errorField     {@code EMP_REST_ASYNC_ERROR_FIELD} (error)
 * @param doneStates     {@code EMP_REST_ASYNC_DONE_STATES} (completed,succeeded,done), compared ignoring case
 * @param failedStates   {@code EMP_REST_ASYNC_FAILED_STATES} (failed,error,cancelled)
 * @param pollMs         {@code EMP_REST_ASYNC_POLL_MS} (500): first poll delay, then ×1.5
 * @param pollMaxMs      {@code EMP_REST_ASYNC_POLL_MAX_MS} (5000): longest poll delay
 * @param maxWaitMs      {@code EMP_REST_ASYNC_MAX_WAIT_S} (3600): a remote job still unfinished after this fails
 *                       retryably (the job's own {@code timeout_s} usually ends it sooner)
 * @param cancelPath     {@code EMP_REST_ASYNC_CANCEL_PATH} (none): POSTed below the base URL on cancel
 */
public record RestAsyncSettings(String service, RestEndpoint endpoint, FieldPath idField, String statusPath,
                                FieldPath stateField, FieldPath progressField, double progressScale,
                                FieldPath resultField, FieldPath errorField, Set<String> doneStates,
                                Set<String> failedStates, long pollMs, long pollMaxMs, long maxWaitMs,
                                String cancelPath) {
  public static final String DEFAULT_SERVICE = "rest_async";
  private static final String P = "EMP_REST_ASYNC_";

  public static RestAsyncSettings from(EnvConfig env) {
    long pollMs = env.longValue(P + "POLL_MS", 500, 10, 3_600_000);
    long pollMaxMs = env.longValue(P + "POLL_MAX_MS", Math.max(5_000, pollMs), pollMs, 3_600_000);
    Set<String> done = states(env, "DONE_STATES", List.of("completed", "succeeded", "done"));
    Set<String> failed = states(env, "FAILED_STATES", List.of("failed", "error", "cancelled"));
    if (done.stream().anyMatch(failed::contains)) {
      throw new ConfigException(P + "DONE_STATES and " + P + "FAILED_STATES must not share a state");
    }
    return new RestAsyncSettings(RestEndpoint.service(env, P + "SERVICE", DEFAULT_SERVICE),
      RestEndpoint.from(env, P),
      field(env, "ID_FIELD", "id"),
      path(env, "STATUS_PATH", "/jobs/{id}", true),
      field(env, "STATE_FIELD", "status"),
      field(env, "PROGRESS_FIELD", "progress"),
      Double.parseDouble(env.oneOf(P + "PROGRESS_SCALE", "100", Set.of("100", "1"))),
      field(env, "RESULT_FIELD", "result"),
      field(env, "ERROR_FIELD", "error"),
      done, failed, pollMs, pollMaxMs,
      Math.round(env.decimal(P + "MAX_WAIT_S", 3_600, 0.01, 604_800) * 1000),
      path(env, "CANCEL_PATH", null, false));
  }

  /** {@code template} with {@code {id}} replaced by the (URL-encoded) remote id. */
  public static String withId(String template, String id) {
    return template.replace("{id}", java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8)
      .replace("+", "%20"));
  }

  private static FieldPath field(EnvConfig env, String name, String fallback) {
    try {
      return FieldPath.parse(env.string(P + name, fallback));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(P + name + ": " + e.getMessage());
    }
  }

  private static String path(EnvConfig env, String name, String fallback, boolean needsId) {
    String path = env.string(P + name, fallback);
    if (path == null) {
      return null;
    }
    if (needsId && !path.contains("{id}")) {
      throw new ConfigException(P + name + "=" + path + " must contain {id}");
    }
    try {
      io.emp.worker.connector.http.SafePath.resolve(java.net.URI.create("http://h"), withId(path, "x"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(P + name + "=" + path + ": " + e.getMessage());
    }
    return path;
  }

  private static Set<String> states(EnvConfig env, String name, List<String> fallback) {
    List<String> states = env.list(P + name, fallback);
    if (states.isEmpty()) {
      throw new ConfigException(P + name + " must list at least one state");
    }
    return Set.copyOf(states.stream().map(String::toLowerCase).toList());
  }
}
