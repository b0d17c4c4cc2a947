package io.emp.worker.connector.rest;

import io.emp.core.config.EnvConfig;

/** Settings of the rest connector, parsed from EMP_* variables. (Placeholder: being implemented.) */
public record RestSettings(String service) {
  public static RestSettings from(EnvConfig env) {
    return new RestSettings("rest");
  }
}
