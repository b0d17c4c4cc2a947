package io.emp.supervisor.nodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --dry-run}: says per node what a real run would do, from local state only (no fetch, no
 * clone, no pip, no file written). A missing {@code ${VAR}} is reported as the failure it would be.
 */
final class DryRun {
  private final Git git;
  private final NodeJob.Run run;

  DryRun(Git git, NodeJob.Run run) {
    this.git = git;
    this.run = run;
  }

  NodeResult plan(NodeSpec spec, int index) {
    NodeJob job = new NodeJob(spec, index, run);
    try {
      if (!run.options().skipEnv() && !spec.env().isEmpty()) {
        job.renderEnv();
      }
      List<String> steps = new ArrayList<>();
      steps.add(checkoutStep(spec, run.options().customNodesDir().resolve(spec.name())));
      steps.add(spec.requirements() ? "pip install -r " + NodeJob.REQUIREMENTS + " if present and changed"
        : "requirements off");
      if (!spec.env().isEmpty()) {
        steps.add(run.options().skipEnv() ? ".env skipped" : "write .env (" + spec.env().size() + " keys)");
      }
      job.say("would " + String.join("; ", steps));
      return new NodeResult(spec.name(), NodeResult.Status.PLANNED, spec.optional(), null, null, false);
    } catch (NodeFailure e) {
      job.say("would FAIL: " + e.getMessage());
      return new NodeResult(spec.name(), NodeResult.Status.FAILED, spec.optional(), null, e.getMessage(), false);
    }
  }

  private String checkoutStep(NodeSpec spec, Path dir) throws NodeFailure {
    String wanted = spec.commit() != null ? "commit " + spec.commit()
      : spec.branch() != null ? "branch " + spec.branch() : "the default branch";
    if (!Files.exists(dir)) {
      return "clone " + spec.redactedUrl() + " at " + wanted;
    }
    if (!Files.exists(dir.resolve(".git"))) {
      throw new NodeFailure(dir + " exists but is not a git checkout: move it away or rename the node");
    }
    String head = git.outOrNull(dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}");
    if (spec.commit() != null && head != null && head.startsWith(spec.commit())) {
      return "keep the checkout (already at commit " + NodeResult.shortCommit(head) + ")";
    }
    return "update the existing checkout (at " + NodeResult.shortCommit(head) + ") to " + wanted;
  }
}
