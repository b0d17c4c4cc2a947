package io.emp.worker.connector.ollama;

import io.emp.core.config.EnvConfig;

/** Settings of the ollama connector, parsed from EMP_* variables. (Placeholder: being implemented.) */
public record OllamaSettings(String service) {
  public static OllamaSettings from(EnvConfig env) {
    return new OllamaSettings("ollama");
  }
}
