package io.emp.testkit;

/**
 * A queue namespace no other test uses, injected by {@link RedisExtension}. Tests share one Redis
 * server and isolate themselves by namespace, the way BullMQ tests use a fresh queue name.
 */
public record TestNamespace(String value) {
  @Override
  public String toString() {
    return value;
  }
}
