package io.emp.supervisor.nodes;

import java.util.List;

/**
 * The node config is invalid. Carries every problem found, each naming the node and the field, so
 * one run shows them all. The CLI prints them and exits with code 2; nothing was installed.
 */
public final class NodeConfigException extends RuntimeException {
  private final List<String> errors;

  public NodeConfigException(List<String> errors) {
    super(String.join("\n", errors));
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
