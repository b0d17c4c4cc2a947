package io.emp.worker.connector.a1111;

import io.emp.core.config.EnvConfig;

/** Settings of the a1111 connector, parsed from EMP_* variables. (Placeholder: being implemented.) */
public record A1111Settings(String service) {
  public static A1111Settings from(EnvConfig env) {
    return new A1111Settings("a1111");
  }
}
