package io.emp.supervisor.nodes;

import java.util.List;

/** The outcome of one {@link NodeInstaller#install} run, one {@link NodeResult} per node in config order. */
public record InstallResult(List<NodeResult> nodes) {
  public InstallResult {
    nodes = List.copyOf(nodes);
  }

  /** Nodes that failed (or were skipped) and are not optional: each one fails the run. */
  public List<NodeResult> failedRequired() {
    return nodes.stream().filter(NodeResult::failsRun).toList();
  }

  /** Optional nodes that failed or were skipped: reported, ignored. */
  public List<NodeResult> failedOptional() {
    return nodes.stream().filter(n -> !n.succeeded() && n.optional()).toList();
  }

  public boolean ok() {
    return failedRequired().isEmpty();
  }

  /** 0 when every non-optional node is installed, 1 otherwise. */
  public int exitCode() {
    return ok() ? 0 : 1;
  }

  public long count(NodeResult.Status status) {
    return nodes.stream().filter(n -> n.status() == status).count();
  }
}
