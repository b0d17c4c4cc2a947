package io.emp.supervisor.nodes;

/**
 * What happened to one node in one run.
 *
 * @param commit full commit id of the checkout, null when the node failed before one existed
 * @param reason why it failed or was skipped; null otherwise
 * @param requirementsInstalled pip ran in this run and succeeded
 */
public record NodeResult(String name, Status status, boolean optional, String commit, String reason,
  boolean requirementsInstalled) {

  public enum Status {
    /** Cloned by this run. */
    INSTALLED,
    /** An existing checkout was moved, reset or re-pointed, or its requirements re-installed. */
    UPDATED,
    /** Already as asked: no clone, no checkout, no pip. */
    UNCHANGED,
    /** {@code --dry-run}: what would be done is in the progress lines. */
    PLANNED,
    FAILED,
    /** Not attempted because a node it depends on failed. */
    SKIPPED
  }

  public boolean succeeded() {
    return status != Status.FAILED && status != Status.SKIPPED;
  }

  /** Failed or skipped and not optional: fails the run. */
  public boolean failsRun() {
    return !succeeded() && !optional;
  }

  static String shortCommit(String commit) {
    return commit == null ? "?" : commit.substring(0, Math.min(7, commit.length()));
  }
}
