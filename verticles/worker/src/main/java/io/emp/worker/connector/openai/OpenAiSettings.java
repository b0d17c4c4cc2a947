package io.emp.worker.connector.openai;

import io.emp.core.config.EnvConfig;

/** Settings of the openai connector, parsed from EMP_* variables. (Placeholder: being implemented.) */
public record OpenAiSettings(String service) {
  public static OpenAiSettings from(EnvConfig env) {
    return new OpenAiSettings("openai");
  }
}
