package io.emp.worker.connector.rest;

import io.emp.core.config.EnvConfig;

/**
 * Settings of the {@code rest} connector (one synchronous HTTP call per job).
 *
 * @param service  {@code EMP_REST_SERVICE} (rest): the service name it serves
 * @param endpoint {@code EMP_REST_BASE_URL} (required), {@code EMP_REST_AUTH} (none),
 *                 {@code EMP_REST_TIMEOUT_S} (60), {@code EMP_REST_HEALTH_PATH} (/health)
 */
public record RestSettings(String service, RestEndpoint endpoint) {
  public static final String DEFAULT_SERVICE = "rest";

  public static RestSettings from(EnvConfig env) {
    return new RestSettings(RestEndpoint.service(env, "EMP_REST_SERVICE", DEFAULT_SERVICE),
      RestEndpoint.from(env, "EMP_REST_"));
  }
}
