package io.emp.supervisor.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.supervisor.nodes.NodeResult.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NodeInstallerTest extends InstallerTestBase {

  @Test
  @DisplayName("nodes are cloned in parallel while pip runs one at a time")
  void parallelClonesSerialPip() throws IOException {
    NodeSpec[] nodes = new NodeSpec[4];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = NodeSpec.of("node-" + i, GitFixture.url(remoteWithRequirements("remote-" + i)));
    }

    InstallResult result = install(nodes);

    assertThat(result.ok()).isTrue();
    assertThat(result.nodes()).extracting(NodeResult::status).containsOnly(Status.INSTALLED);
    List<ToolFakes.Call> clones = tools.gitCalls("clone");
    assertThat(clones).hasSize(4);
    assertThat(clones.stream().anyMatch(a -> clones.stream().anyMatch(b -> a != b && a.overlaps(b))))
      .as("at least two clones run at the same time").isTrue();
    List<ToolFakes.Call> pips = tools.pipCalls();
    assertThat(pips).hasSize(4);
    for (ToolFakes.Call a : pips) {
      for (ToolFakes.Call b : pips) {
        assertThat(a != b && a.overlaps(b)).as("pip calls overlap: %s and %s", a, b).isFalse();
      }
      assertThat(a.words()).containsExactly("install", "-r", "requirements.txt");
    }
    assertThat(pips).extracting(ToolFakes.Call::cwd).containsExactlyInAnyOrder(
      node("node-0").toString(), node("node-1").toString(), node("node-2").toString(), node("node-3").toString());
    assertThat(output()).contains("[1/4] node-0: cloning", "[1/4] node-0: ok (commit ");
  }

  @Test
  @DisplayName("a recursive node gets its submodule checked out; a plain node does not")
  void recursiveSubmodule() throws IOException {
    Path lib = remotes.repo("lib", Map.of("lib.txt", "library v1\n"));
    Path parent = remotes.repo("parent", Map.of("__init__.py", ""));
    GitFixture.git(parent, "submodule", "add", "-q", GitFixture.url(lib), "vendor/lib");
    remotes.commit(parent, Map.of(), "add submodule");
    remotes.commit(lib, Map.of("lib.txt", "library v2\n"), "newer lib, not referenced");

    InstallResult result = install(
      NodeSpec.of("with-subs", GitFixture.url(parent)).withRecursive(true),
      NodeSpec.of("without-subs", GitFixture.url(parent)));

    assertThat(result.ok()).isTrue();
    assertThat(node("with-subs").resolve("vendor/lib/lib.txt")).hasContent("library v1");
    assertThat(node("without-subs").resolve("vendor/lib/lib.txt")).doesNotExist();
  }

  @Test
  @DisplayName("a pinned commit is checked out even when the repository has newer commits, and wins over the branch")
  void commitPinning() throws IOException {
    Path remote = remotes.repo("pinned", Map.of("version.txt", "1"));
    String first = remotes.head(remote);
    remotes.commit(remote, Map.of("version.txt", "2"), "second");
    remotes.commit(remote, Map.of("version.txt", "3"), "third");

    InstallResult result = install(
      NodeSpec.of("pinned", GitFixture.url(remote)).withCommit(first.substring(0, 10)).withBranch("main"));

    assertThat(result.ok()).isTrue();
    assertThat(headOf("pinned")).isEqualTo(first);
    assertThat(node("pinned").resolve("version.txt")).hasContent("1");
    assertThat(result.nodes().get(0).commit()).isEqualTo(first);
  }

  @Test
  @DisplayName("a branch is checked out at its tip, as a local branch")
  void branchCheckout() throws IOException {
    Path remote = remotes.repo("branched", Map.of("file.txt", "main"));
    GitFixture.git(remote, "checkout", "-q", "-b", "add-video");
    String tip = remotes.commit(remote, Map.of("file.txt", "video"), "video work");
    GitFixture.git(remote, "checkout", "-q", "main");

    assertThat(install(NodeSpec.of("branched", GitFixture.url(remote)).withBranch("add-video")).ok()).isTrue();

    assertThat(headOf("branched")).isEqualTo(tip);
    assertThat(GitFixture.git(node("branched"), "symbolic-ref", "--short", "HEAD").strip()).isEqualTo("add-video");
    assertThat(node("branched").resolve("file.txt")).hasContent("video");

    GitFixture.git(remote, "tag", "v1.0");
    InstallResult tag = install(NodeSpec.of("tagged", GitFixture.url(remote)).withBranch("v1.0"));
    assertThat(tag.nodes().get(0).reason()).isEqualTo("\"v1.0\" is not a branch of " + GitFixture.url(remote)
      + ": pin a tag with \"commit\"");
  }

  @Test
  @DisplayName("a second run with the same config clones nothing, runs no pip and leaves the manifest as it was")
  void rerunIsNoOp() throws IOException {
    Path remote = remoteWithRequirements("steady");
    String pinned = remotes.head(remote);
    NodeSpec a = NodeSpec.of("steady", GitFixture.url(remote));
    NodeSpec b = NodeSpec.of("steady-pinned", GitFixture.url(remote)).withCommit(pinned);
    assertThat(install(a, b).ok()).isTrue();
    Path manifest = customNodes.resolve(Manifest.FILE_NAME);
    String manifestBefore = Files.readString(manifest);
    String reflogBefore = GitFixture.git(node("steady"), "reflog");
    Files.writeString(node("steady").resolve("untracked-marker"), "survives only without a re-clone");

    InstallResult second = install(a, b);

    assertThat(second.nodes()).extracting(NodeResult::status).containsOnly(Status.UNCHANGED);
    assertThat(tools.gitCalls("clone")).hasSize(2);
    assertThat(tools.pipCalls()).hasSize(2);
    assertThat(Files.readString(manifest)).isEqualTo(manifestBefore);
    assertThat(GitFixture.git(node("steady"), "reflog")).isEqualTo(reflogBefore);
    assertThat(node("steady").resolve("untracked-marker")).exists();
    assertThat(output()).contains("ok (commit " + pinned.substring(0, 7) + ", unchanged)");
  }

  @Test
  @DisplayName("changing the pinned commit moves the existing checkout without re-cloning; pip re-runs only when requirements change")
  void changedPinMovesCheckout() throws IOException {
    Path remote = remoteWithRequirements("moving");
    String c1 = remotes.head(remote);
    String c2 = remotes.commit(remote, Map.of("code.py", "print(2)\n"), "code only");
    String c3 = remotes.commit(remote, Map.of("requirements.txt", "moving-dep==2.0\n"), "new requirement");
    NodeSpec spec = NodeSpec.of("moving", GitFixture.url(remote));
    install(spec.withCommit(c1));
    Files.writeString(node("moving").resolve("untracked-marker"), "x");
    String installedAt = manifestEntry("moving").installedAt().toString();

    InstallResult toC2 = install(spec.withCommit(c2));

    assertThat(toC2.nodes().get(0).status()).isEqualTo(Status.UPDATED);
    assertThat(headOf("moving")).isEqualTo(c2);
    assertThat(tools.gitCalls("clone")).hasSize(1);
    assertThat(tools.pipCalls()).hasSize(1);
    assertThat(node("moving").resolve("untracked-marker")).exists();
    assertThat(manifestEntry("moving").commit()).isEqualTo(c2);
    assertThat(manifestEntry("moving").installedAt().toString()).isNotEqualTo(installedAt);

    install(spec.withCommit(c3));

    assertThat(headOf("moving")).isEqualTo(c3);
    assertThat(tools.gitCalls("clone")).hasSize(1);
    assertThat(tools.pipCalls()).hasSize(2);
  }

  @Test
  @DisplayName("a dirty checkout is reset to the wanted commit; untracked files are kept")
  void dirtyCheckoutIsReset() throws IOException {
    Path remote = remotes.repo("dirty", Map.of("node.py", "original\n"));
    NodeSpec spec = NodeSpec.of("dirty", GitFixture.url(remote));
    install(spec);
    Files.writeString(node("dirty").resolve("node.py"), "edited by hand\n");
    Files.writeString(node("dirty").resolve("notes.txt"), "untracked\n");

    InstallResult again = install(spec);

    assertThat(again.nodes().get(0).status()).isEqualTo(Status.UPDATED);
    assertThat(node("dirty").resolve("node.py")).hasContent("original");
    assertThat(node("dirty").resolve("notes.txt")).exists();
    assertThat(output()).contains("local changes to tracked files discarded");
    assertThat(tools.gitCalls("clone")).hasSize(1);
  }

  @Test
  @DisplayName("a branch-tracking node follows new commits on its branch without re-cloning")
  void branchTrackingFollowsRemote() throws IOException {
    Path remote = remotes.repo("tracking", Map.of("v.txt", "1"));
    NodeSpec spec = NodeSpec.of("tracking", GitFixture.url(remote));
    install(spec);
    String newer = remotes.commit(remote, Map.of("v.txt", "2"), "newer");

    assertThat(install(spec).nodes().get(0).status()).isEqualTo(Status.UPDATED);

    assertThat(headOf("tracking")).isEqualTo(newer);
    assertThat(GitFixture.git(node("tracking"), "symbolic-ref", "--short", "HEAD").strip()).isEqualTo("main");
    assertThat(tools.gitCalls("clone")).hasSize(1);
  }

  @Test
  @DisplayName("requirements: pip -r requirements.txt when the file exists, never when it is absent or requirements is false")
  void requirementsRules() throws IOException {
    Path withFile = remoteWithRequirements("with-file");
    Path withoutFile = remotes.repo("without-file", Map.of("__init__.py", ""));

    install(
      NodeSpec.of("default-on", GitFixture.url(withFile)),
      NodeSpec.of("turned-off", GitFixture.url(withFile)).withRequirements(false),
      NodeSpec.of("no-file", GitFixture.url(withoutFile)));

    assertThat(tools.pipCalls()).hasSize(1);
    assertThat(tools.pipCalls().get(0).cwd()).isEqualTo(node("default-on").toString());
    assertThat(tools.pipCalls().get(0).words()).containsExactly("install", "-r", "requirements.txt");
    assertThat(manifestEntry("default-on").requirementsInstalled()).isTrue();
    assertThat(manifestEntry("turned-off").requirementsInstalled()).isFalse();
    assertThat(manifestEntry("no-file").requirementsInstalled()).isFalse();
  }

  @Test
  @DisplayName("the pip command is configurable: its words come before install -r requirements.txt")
  void pipCommandWords() throws IOException {
    install(options().withPip(List.of(tools.pip.toString(), "--python", "/venv/bin/python")),
      NodeSpec.of("n", GitFixture.url(remoteWithRequirements("r"))));

    assertThat(tools.pipCalls().get(0).words())
      .containsExactly("--python", "/venv/bin/python", "install", "-r", "requirements.txt");
  }

  @Test
  @DisplayName("a failing pip fails its node; the checkout stays and the next run retries pip only")
  void pipFailure() throws IOException {
    Path remote = remoteWithRequirements("breaks");
    NodeSpec spec = NodeSpec.of("breaks", GitFixture.url(remote));
    Files.createDirectories(customNodes);
    install(options().withPip(List.of("/nonexistent/pip")), spec);

    assertThat(output()).contains("[1/1] breaks: FAILED: cannot run pip");
    assertThat(manifestEntry("breaks").requirementsInstalled()).isFalse();
    assertThat(manifestEntry("breaks").status()).isEqualTo("failed");

    InstallResult retry = install(spec);

    assertThat(retry.ok()).isTrue();
    assertThat(tools.gitCalls("clone")).hasSize(1);
    assertThat(tools.pipCalls()).hasSize(1);
    assertThat(manifestEntry("breaks").ok()).isTrue();
  }

  @Test
  @DisplayName("depends_on: a node is cloned only after its dependency, pip included, is done")
  void dependsOnOrdering() throws IOException {
    NodeSpec dependent = NodeSpec.of("dependent", GitFixture.url(remoteWithRequirements("dependent")))
      .withDependsOn(List.of("base"));
    NodeSpec base = NodeSpec.of("base", GitFixture.url(remoteWithRequirements("base")));

    assertThat(install(dependent, base).ok()).isTrue();

    ToolFakes.Call basePip = tools.pipCalls().stream()
      .filter(c -> c.cwd().equals(node("base").toString())).findFirst().orElseThrow();
    ToolFakes.Call dependentClone = tools.gitCalls("clone").stream()
      .filter(c -> c.words().contains(GitFixture.url(tmp.resolve("remotes/dependent")))).findFirst().orElseThrow();
    assertThat(dependentClone.startNanos()).isGreaterThan(basePip.endNanos());
  }

  @Test
  @DisplayName("a node whose dependency failed is skipped and named; unrelated nodes install")
  void failedDependencySkips() throws IOException {
    InstallResult result = install(
      NodeSpec.of("broken", "file:///nonexistent/broken.git"),
      NodeSpec.of("needs-broken", GitFixture.url(remotes.repo("a", Map.of()))).withDependsOn(List.of("broken")),
      NodeSpec.of("fine", GitFixture.url(remotes.repo("b", Map.of()))));

    assertThat(result.nodes()).extracting(NodeResult::status)
      .containsExactly(Status.FAILED, Status.SKIPPED, Status.INSTALLED);
    assertThat(result.failedRequired()).extracting(NodeResult::name).containsExactly("broken", "needs-broken");
    assertThat(node("needs-broken")).doesNotExist();
  }

  @Test
  @DisplayName("a failed clone leaves no directory and no temp clone behind")
  void failedCloneLeavesNothing() throws IOException {
    Path remote = remotes.repo("real", Map.of());
    InstallResult result = install(NodeSpec.of("pinned-missing", GitFixture.url(remote))
      .withCommit("0123456789abcdef0123456789abcdef01234567"));

    assertThat(result.ok()).isFalse();
    assertThat(result.nodes().get(0).reason()).contains("commit 0123456789abcdef0123456789abcdef01234567 not found");
    assertThat(node("pinned-missing")).doesNotExist();
    assertThat(customNodes.resolve(Checkout.TMP_DIR)).doesNotExist();
    assertThat(Manifest.load(customNodes).get("pinned-missing")).isEmpty();
  }

  @Test
  @DisplayName("a directory that is not a git checkout is not touched and fails its node")
  void foreignDirectory() throws IOException {
    Files.createDirectories(node("handmade"));
    Files.writeString(node("handmade").resolve("keep.py"), "mine");

    InstallResult result = install(NodeSpec.of("handmade", GitFixture.url(remotes.repo("h", Map.of()))));

    assertThat(result.nodes().get(0).reason()).contains("is not a git checkout");
    assertThat(node("handmade").resolve("keep.py")).hasContent("mine");
  }

  @Test
  @DisplayName("the manifest records name, url, branch, resolved commit, requirements and installed_at")
  void manifestContent() throws IOException {
    Path remote = remoteWithRequirements("listed");
    install(NodeSpec.of("listed", GitFixture.url(remote)));

    Manifest.Entry e = manifestEntry("listed");
    assertThat(e.url()).isEqualTo(GitFixture.url(remote));
    assertThat(e.branch()).isEqualTo("main");
    assertThat(e.commit()).isEqualTo(remotes.head(remote));
    assertThat(e.requestedCommit()).isNull();
    assertThat(e.requirementsInstalled()).isTrue();
    assertThat(e.requirementsSha256()).hasSize(64);
    assertThat(e.installedAt()).isNotNull();
    assertThat(e.ok()).isTrue();
    try (var files = Files.list(customNodes)) {
      assertThat(files.map(p -> p.getFileName().toString()))
        .as("only nodes, the manifest and the lock file: no temp file or directory")
        .containsExactlyInAnyOrder("listed", Manifest.FILE_NAME, InstallLock.FILE_NAME);
    }
  }

  @Test
  @DisplayName("node directories and the manifest get the usual permissions (umask), not a temp file's 700/600")
  void permissions() throws IOException {
    install(NodeSpec.of("readable", GitFixture.url(remotes.repo("readable", Map.of()))));
    Path plainDir = Files.createDirectory(tmp.resolve("plain-dir"));
    Path plainFile = Files.writeString(tmp.resolve("plain-file"), "");

    assertThat(Files.getPosixFilePermissions(node("readable"))).isEqualTo(Files.getPosixFilePermissions(plainDir));
    assertThat(Files.getPosixFilePermissions(customNodes.resolve(Manifest.FILE_NAME)))
      .isEqualTo(Files.getPosixFilePermissions(plainFile));
  }

  @Test
  @DisplayName("a dry run prints the plan and changes nothing")
  void dryRun() throws IOException {
    InstallResult result = install(options().withDryRun(true),
      NodeSpec.of("planned", GitFixture.url(remoteWithRequirements("planned"))));

    assertThat(result.nodes().get(0).status()).isEqualTo(Status.PLANNED);
    assertThat(output()).contains("[1/1] planned: would clone " + GitFixture.url(tmp.resolve("remotes/planned")));
    assertThat(comfy).doesNotExist();
    assertThat(tools.gitCalls()).isEmpty();
    assertThat(tools.pipCalls()).isEmpty();
  }

  @Test
  @DisplayName("a recursive node's submodules follow when the pinned commit moves")
  void submodulesFollowMovedCheckout() throws IOException {
    Path lib = remotes.repo("lib", Map.of("lib.txt", "library v1\n"));
    Path parent = remotes.repo("parent", Map.of("__init__.py", ""));
    GitFixture.git(parent, "submodule", "add", "-q", GitFixture.url(lib), "vendor/lib");
    String c1 = remotes.commit(parent, Map.of(), "add submodule");
    remotes.commit(lib, Map.of("lib.txt", "library v2\n"), "lib v2");
    GitFixture.git(parent.resolve("vendor/lib"), "pull", "-q", "origin", "main");
    String c2 = remotes.commit(parent, Map.of(), "bump submodule");
    NodeSpec spec = NodeSpec.of("subs", GitFixture.url(parent)).withRecursive(true);
    install(spec.withCommit(c1));
    assertThat(node("subs").resolve("vendor/lib/lib.txt")).hasContent("library v1");

    assertThat(install(spec.withCommit(c2)).ok()).isTrue();

    assertThat(node("subs").resolve("vendor/lib/lib.txt")).hasContent("library v2");
    assertThat(tools.gitCalls("clone").stream().filter(c -> !c.words().contains("submodule")).count())
      .as("the parent was cloned once").isEqualTo(1);
  }

  @Test
  @DisplayName("switching branch or url moves the existing checkout without re-cloning")
  void switchBranchAndUrl() throws IOException {
    Path remote = remotes.repo("switch", Map.of("f.txt", "main"));
    GitFixture.git(remote, "checkout", "-q", "-b", "other");
    String other = remotes.commit(remote, Map.of("f.txt", "other"), "other");
    GitFixture.git(remote, "checkout", "-q", "main");
    NodeSpec spec = NodeSpec.of("switch", GitFixture.url(remote));
    install(spec);

    install(spec.withBranch("other"));
    assertThat(headOf("switch")).isEqualTo(other);

    Path fork = tmp.resolve("remotes/fork");
    GitFixture.git(tmp, "clone", "-q", GitFixture.url(remote), fork.toString());
    String forked = remotes.commit(fork, Map.of("f.txt", "fork"), "fork work");
    assertThat(install(NodeSpec.of("switch", GitFixture.url(fork))).ok()).isTrue();

    assertThat(headOf("switch")).isEqualTo(forked);
    assertThat(GitFixture.git(node("switch"), "remote", "get-url", "origin").strip()).isEqualTo(GitFixture.url(fork));
    assertThat(output()).contains("remote origin changed from " + GitFixture.url(remote));
    assertThat(tools.gitCalls("clone")).hasSize(1);
  }

  @Test
  @DisplayName("a git command that hangs is killed at the timeout and fails its node")
  void gitTimeout() throws IOException {
    Path hanging = tmp.resolve("tools/hanging-git");
    Files.writeString(hanging, "#!/bin/sh\nsleep 60\necho never\n");
    hanging.toFile().setExecutable(true);

    InstallResult result = install(options().withGit(List.of(hanging.toString())).withGitTimeout(Duration.ofSeconds(1)),
      NodeSpec.of("slow", "https://example.invalid/slow.git"));

    assertThat(result.nodes().get(0).reason()).isEqualTo("git clone timed out after 1 s");
    assertThat(node("slow")).doesNotExist();
  }

  @Test
  @DisplayName("two installers on one directory at once: one clones, the other finds the node installed")
  void concurrentInstallers() throws Exception {
    NodeSpec spec = NodeSpec.of("shared", GitFixture.url(remoteWithRequirements("shared")));
    var pool = Executors.newFixedThreadPool(2);
    try {
      var first = pool.submit(() -> new NodeInstaller(options(), new PrintStream(OutputStream.nullOutputStream()))
        .install(List.of(spec)));
      var second = pool.submit(() -> new NodeInstaller(options(), new PrintStream(OutputStream.nullOutputStream()))
        .install(List.of(spec)));
      assertThat(first.get().ok()).isTrue();
      assertThat(second.get().ok()).isTrue();
    } finally {
      pool.shutdownNow();
    }
    assertThat(tools.gitCalls("clone")).hasSize(1);
    assertThat(tools.pipCalls()).hasSize(1);
  }

  private Manifest.Entry manifestEntry(String name) {
    return Manifest.load(customNodes).get(name).orElseThrow();
  }
}
