package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node through one run, in three steps called by {@link NodeInstaller} in order, never at the
 * same time: {@link #sync} (env values, git, {@code .env}) on a worker thread, {@link
 * #installRequirements} on the pip thread, {@link #finish} (manifest, result line). A step that
 * fails records the reason; later steps then do nothing but report it.
 */
final class NodeJob {
  static final String REQUIREMENTS = "requirements.txt";

  /** What every job of a run shares. */
  record Run(InstallOptions options, Checkout checkout, PipRunner pip, Manifest manifest, Progress progress) {
  }

  private final NodeSpec spec;
  private final int index;
  private final Run run;
  private final Path dir;
  private final List<String> notes = new ArrayList<>();
  private Checkout.State state;
  private String failure;
  private String requirementsHash;
  private boolean requirementsInstalled;
  private boolean pipRan;

  NodeJob(NodeSpec spec, int index, Run run) {
    this.spec = spec;
    this.index = index;
    this.run = run;
    this.dir = run.options().customNodesDir().resolve(spec.name());
  }

  String name() {
    return spec.name();
  }

  void sync() {
    try {
      String envFile = run.options().skipEnv() || spec.env().isEmpty() ? null : renderEnv();
      state = run.checkout().sync(spec, dir, this::say);
      notes.addAll(state.notes());
      if (envFile != null && EnvFile.write(dir, envFile)) {
        notes.add(".env written");
      }
    } catch (NodeFailure e) {
      failure = e.getMessage();
    } catch (IOException e) {
      failure = "cannot write " + dir.resolve(EnvFile.FILE_NAME) + ": " + e.getMessage();
    } catch (RuntimeException e) {
      failure = "unexpected error: " + e;
    }
  }

  /** The {@code .env} content; fails the node, before any git work, when a variable is missing. */
  String renderEnv() throws NodeFailure {
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : spec.env().entrySet()) {
      try {
        String value = EnvTemplate.expand(e.getValue(), run.options().env());
        if (value.contains("${")) {
          notes.add("warning: env." + e.getKey() + " contains '${', which python-dotenv expands when loading");
        }
        values.put(e.getKey(), value);
      } catch (EnvTemplate.MissingVariable m) {
        throw new NodeFailure("env." + e.getKey() + ": variable " + m.variable + " is not set"
          + " (write ${" + m.variable + ":-default} to allow a default)");
      }
    }
    try {
      return EnvFile.render(values);
    } catch (IllegalArgumentException e) {
      throw new NodeFailure("env: " + e.getMessage());
    }
  }

  /** True when pip may have to run: the checkout succeeded, requirements are on and the file exists. */
  boolean wantsPip() {
    return failure == null && spec.requirements() && Files.isRegularFile(dir.resolve(REQUIREMENTS));
  }

  void installRequirements() {
    if (!wantsPip()) {
      return;
    }
    try {
      requirementsHash = sha256(dir.resolve(REQUIREMENTS));
      Manifest.Entry before = run.manifest().get(spec.name()).orElse(null);
      if (before != null && before.requirementsInstalled() && requirementsHash.equals(before.requirementsSha256())
        && run.pip().describe().equals(before.pip())) {
        requirementsInstalled = true;
        return;
      }
      say("pip install -r " + REQUIREMENTS + " ...");
      run.pip().installRequirements(dir);
      requirementsInstalled = true;
      pipRan = true;
    } catch (NodeFailure e) {
      failure = e.getMessage();
    } catch (IOException | RuntimeException e) {
      failure = "requirements: " + e;
    }
  }

  NodeResult finish() {
    Manifest.Entry before = run.manifest().get(spec.name()).orElse(null);
    if (failure == null) {
      boolean changed = state.change() != Checkout.Change.UNCHANGED || pipRan || before == null
        || !before.ok() || !state.commit().equals(before.commit());
      record(before, changed, "ok", null);
    } else if (state != null) {
      record(before, state.change() != Checkout.Change.UNCHANGED, "failed", failure);
    }
    if (failure != null) {
      say("FAILED: " + failure);
      return new NodeResult(spec.name(), NodeResult.Status.FAILED, spec.optional(),
        state == null ? null : state.commit(), failure, false);
    }
    NodeResult.Status status = state.change() == Checkout.Change.CLONED ? NodeResult.Status.INSTALLED
      : state.change() == Checkout.Change.MOVED || pipRan ? NodeResult.Status.UPDATED : NodeResult.Status.UNCHANGED;
    say("ok (" + describe(status) + ")");
    return new NodeResult(spec.name(), status, spec.optional(), state.commit(), null, pipRan);
  }

  private void record(Manifest.Entry before, boolean changed, String status, String error) {
    Instant installedAt = changed || before == null || before.installedAt() == null
      ? Instant.now() : before.installedAt();
    boolean installed = requirementsInstalled && failure == null;
    run.manifest().put(new Manifest.Entry(spec.name(), spec.redactedUrl(), state.branch(), spec.commit(),
      state.commit(), spec.recursive(), installed, installed ? requirementsHash : null, run.pip().describe(),
      installedAt, status, error));
    try {
      run.manifest().save();
    } catch (IOException e) {
      failure = failure != null ? failure : "cannot write " + run.manifest().file() + ": " + e.getMessage();
    }
  }

  private String describe(NodeResult.Status status) {
    List<String> parts = new ArrayList<>();
    parts.add("commit " + NodeResult.shortCommit(state.commit()));
    if (status == NodeResult.Status.UNCHANGED) {
      parts.add("unchanged");
    }
    if (pipRan) {
      parts.add("requirements installed");
    }
    parts.addAll(notes);
    return String.join(", ", parts);
  }

  /** {@code --env-only}: writes the {@code .env} of an installed node; no git, no pip, no manifest. */
  NodeResult writeEnvOnly() {
    try {
      if (!Files.isDirectory(dir)) {
        throw new NodeFailure("not installed (" + dir + " is missing): run install-nodes without --env-only first");
      }
      boolean written = EnvFile.write(dir, renderEnv());
      say(written ? "ok (.env written)" : "ok (.env unchanged)");
      return new NodeResult(spec.name(), written ? NodeResult.Status.UPDATED : NodeResult.Status.UNCHANGED,
        spec.optional(), null, null, false);
    } catch (NodeFailure | IOException e) {
      failure = e instanceof IOException ? "cannot write .env: " + e.getMessage() : e.getMessage();
      say("FAILED: " + failure);
      return new NodeResult(spec.name(), NodeResult.Status.FAILED, spec.optional(), null, failure, false);
    }
  }

  NodeResult skipped(String failedDependency) {
    String reason = "not installed: depends on \"" + failedDependency + "\", which failed";
    say("SKIPPED: " + reason);
    return new NodeResult(spec.name(), NodeResult.Status.SKIPPED, spec.optional(), null, reason, false);
  }

  NodeResult crashed(Throwable t) {
    failure = "unexpected error: " + t;
    say("FAILED: " + failure);
    return new NodeResult(spec.name(), NodeResult.Status.FAILED, spec.optional(), null, failure, false);
  }

  void say(String message) {
    run.progress().node(index, spec.name(), message);
  }

  static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
