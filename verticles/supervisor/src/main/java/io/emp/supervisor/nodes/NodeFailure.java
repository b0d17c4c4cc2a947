package io.emp.supervisor.nodes;

/**
 * Ends one node's installation with a reason for the terminal and the manifest. Thrown inside a
 * node's steps only; {@link NodeJob} turns it into a failed {@link NodeResult}, the other nodes go on.
 */
final class NodeFailure extends Exception {
  NodeFailure(String reason) {
    super(reason);
  }
}
