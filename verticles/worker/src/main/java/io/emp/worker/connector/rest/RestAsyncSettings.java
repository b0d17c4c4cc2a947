package io.emp.worker.connector.rest;

import io.emp.core.config.EnvConfig;

/** Settings of the rest_async connector, parsed from EMP_* variables. (Placeholder: being implemented.) */
public record RestAsyncSettings(String service) {
  public static RestAsyncSettings from(EnvConfig env) {
    return new RestAsyncSettings("rest_async");
  }
}
