package io.emp.worker.connector.comfyui;

import io.emp.core.config.EnvConfig;

/** Settings of the comfyui connector, parsed from EMP_* variables. (Placeholder: being implemented.) */
public record ComfyUiSettings(String service) {
  public static ComfyUiSettings from(EnvConfig env) {
    return new ComfyUiSettings("comfyui");
  }
}
