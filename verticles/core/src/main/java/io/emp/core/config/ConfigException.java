package io.emp.core.config;

/** A configuration value is missing or invalid; the message names the variable. Roles refuse to start. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
