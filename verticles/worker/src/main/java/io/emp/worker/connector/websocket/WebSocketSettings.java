package io.emp.worker.connector.websocket;

import io.emp.core.config.EnvConfig;

/** Settings of the websocket connector, parsed from EMP_* variables. (Placeholder: being implemented.) */
public record WebSocketSettings(String service) {
  public static WebSocketSettings from(EnvConfig env) {
    return new WebSocketSettings("websocket");
  }
}
