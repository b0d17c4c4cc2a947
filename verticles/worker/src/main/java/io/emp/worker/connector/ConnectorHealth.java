package io.emp.worker.connector;

/** The answer of {@link Connector#health()}: up or down, with a reason an operator can act on. */
public record ConnectorHealth(boolean healthy, String detail) {

  public static ConnectorHealth up() {
    return new ConnectorHealth(true, null);
  }

  public static ConnectorHealth down(String reason) {
    return new ConnectorHealth(false, reason);
  }
}
