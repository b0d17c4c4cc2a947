package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Brings {@code custom_nodes/<name>} to the commit a spec asks for, without ever re-cloning an
 * existing checkout. A missing node is cloned into {@code custom_nodes/.emp-tmp/} and renamed into
 * place only when complete, so a failed clone leaves nothing a later run could take for installed.
 * An existing checkout is fetched and moved; local changes to tracked files are discarded (checkout
 * {@code --force}), untracked files are kept. Nothing touches the network when the checkout is
 * already at a pinned commit.
 */
final class Checkout {
  static final String TMP_DIR = ".emp-tmp";

  enum Change { CLONED, MOVED, UNCHANGED }

  /** Where the checkout ended: full commit id, branch (null for a pin without branch), notes. */
  record State(String commit, String branch, Change change, List<String> notes) {
  }

  private final Git git;
  private final Path tmpRoot;

  Checkout(Git git, Path customNodesDir) {
    this.git = git;
    this.tmpRoot = customNodesDir.resolve(TMP_DIR);
  }

  State sync(NodeSpec spec, Path dir, Consumer<String> progress) throws NodeFailure {
    if (isEmptyDirectory(dir)) {
      delete(dir);
    }
    if (!Files.exists(dir)) {
      return cloneFresh(spec, dir, progress);
    }
    if (!Files.exists(dir.resolve(".git"))) {
      throw new NodeFailure(dir + " exists but is not a git checkout: move it away or rename the node");
    }
    return update(spec, dir, progress);
  }

  private State cloneFresh(NodeSpec spec, Path dir, Consumer<String> progress) throws NodeFailure {
    Path tmp = createTmp(spec.name());
    try {
      progress.accept("cloning " + spec.redactedUrl() + "...");
      git.out(tmpRoot, cloneArgs(spec, tmp));
      String branch = spec.branch();
      if (spec.commit() != null) {
        git.out(tmp, "checkout", "--force", "--detach", resolveCommit(spec, tmp, progress));
      } else {
        String local = git.outOrNull(tmp, "symbolic-ref", "--quiet", "--short", "HEAD");
        if (local == null) { // clone --branch also takes a tag, which a later fetch of refs/heads/ would not find
          throw new NodeFailure("\"" + branch + "\" is not a branch of " + spec.redactedUrl()
            + ": pin a tag with \"commit\"");
        }
        branch = local;
      }
      if (spec.recursive()) {
        progress.accept("checking out submodules...");
        git.out(tmp, "submodule", "update", "--init", "--recursive");
      }
      String head = git.out(tmp, "rev-parse", "--verify", "HEAD^{commit}");
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      return new State(head, branch, Change.CLONED, List.of());
    } catch (IOException e) {
      throw new NodeFailure("cannot move the new clone into " + dir + ": " + e.getMessage());
    } finally {
      delete(tmp);
    }
  }

  private static String[] cloneArgs(NodeSpec spec, Path tmp) {
    List<String> args = new ArrayList<>(List.of("clone"));
    if (spec.commit() != null) {
      args.add("--no-checkout");
    } else if (spec.branch() != null) {
      args.addAll(List.of("--branch", spec.branch()));
    }
    args.addAll(List.of("--", spec.url(), tmp.toString()));
    return args.toArray(String[]::new);
  }

  private State update(NodeSpec spec, Path dir, Consumer<String> progress) throws NodeFailure {
    List<String> notes = new ArrayList<>();
    boolean originChanged = ensureOrigin(spec.url(), dir, notes);
    String branch = spec.branch();
    String target;
    if (spec.commit() != null) {
      target = resolveCommit(spec, dir, progress);
    } else {
      branch = branch != null ? branch : defaultBranch(spec.redactedUrl(), dir);
      progress.accept("fetching " + branch + "...");
      git.out(dir, "fetch", "origin", "+refs/heads/" + branch + ":refs/remotes/origin/" + branch);
      target = git.out(dir, "rev-parse", "--verify", "refs/remotes/origin/" + branch + "^{commit}");
    }
    String head = git.outOrNull(dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}");
    boolean dirty = !git.out(dir, "status", "--porcelain", "--untracked-files=no", "--ignore-submodules=all")
      .isEmpty();
    boolean onBranch = spec.commit() != null
      || branch.equals(git.outOrNull(dir, "symbolic-ref", "--quiet", "--short", "HEAD"));
    boolean submodulesOk = !spec.recursive() || submodulesClean(dir);
    if (target.equals(head) && !dirty && onBranch && submodulesOk && !originChanged) {
      return new State(head, branch, Change.UNCHANGED, notes);
    }
    if (dirty) {
      notes.add("local changes to tracked files discarded");
    }
    moveTo(spec, dir, branch, target, progress);
    return new State(target, branch, Change.MOVED, notes);
  }

  private void moveTo(NodeSpec spec, Path dir, String branch, String target, Consumer<String> progress)
    throws NodeFailure {
    progress.accept("checking out " + NodeResult.shortCommit(target) + "...");
    if (spec.commit() != null) {
      git.out(dir, "checkout", "--force", "--detach", target);
    } else {
      git.out(dir, "checkout", "--force", "-B", branch, "refs/remotes/origin/" + branch);
    }
    if (spec.recursive()) {
      progress.accept("updating submodules...");
      git.out(dir, "submodule", "sync", "--recursive");
      git.out(dir, "submodule", "update", "--init", "--recursive", "--force");
    }
  }

  private boolean ensureOrigin(String url, Path dir, List<String> notes) throws NodeFailure {
    String origin = git.outOrNull(dir, "config", "--get", "remote.origin.url");
    if (url.equals(origin)) {
      return false;
    }
    if (origin == null) {
      git.out(dir, "remote", "add", "origin", url);
      notes.add("remote origin added");
    } else {
      git.out(dir, "remote", "set-url", "origin", url);
      notes.add("remote origin changed from " + NodeSpec.redact(origin));
    }
    return true;
  }

  /** The pinned commit, from the local objects first; fetched only when missing. */
  private String resolveCommit(NodeSpec spec, Path dir, Consumer<String> progress) throws NodeFailure {
    String sha = localCommit(dir, spec.commit());
    if (sha == null) {
      progress.accept("fetching...");
      git.out(dir, "fetch", "--tags", "origin");
      sha = localCommit(dir, spec.commit());
    }
    if (sha == null && spec.commit().length() >= 40) {
      git.outOrNull(dir, "fetch", "origin", spec.commit()); // commits on no branch, where the server allows
      sha = localCommit(dir, spec.commit());
    }
    if (sha == null) {
      throw new NodeFailure("commit " + spec.commit() + " not found (or ambiguous) in " + spec.redactedUrl());
    }
    return sha;
  }

  private String localCommit(Path dir, String commit) throws NodeFailure {
    String sha = git.outOrNull(dir, "rev-parse", "--verify", "--quiet", commit + "^{commit}");
    return sha != null && sha.startsWith(commit) ? sha : null;
  }

  private String defaultBranch(String url, Path dir) throws NodeFailure {
    String refs = git.out(dir, "ls-remote", "--symref", "origin", "HEAD");
    for (String line : refs.lines().toList()) {
      if (line.startsWith("ref: refs/heads/") && line.endsWith("\tHEAD")) {
        return line.substring("ref: refs/heads/".length(), line.length() - "\tHEAD".length());
      }
    }
    String tracked = git.outOrNull(dir, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD");
    if (tracked != null && tracked.startsWith("origin/")) {
      return tracked.substring("origin/".length());
    }
    throw new NodeFailure("cannot tell the default branch of " + url + ": set \"branch\" or \"commit\"");
  }

  private boolean submodulesClean(Path dir) throws NodeFailure {
    return git.out(dir, "submodule", "status", "--recursive").lines()
      .allMatch(line -> line.isEmpty() || line.charAt(0) == ' ');
  }

  /**
   * Removes {@code .emp-tmp} (what an interrupted run left, or the empty directory after a run:
   * ComfyUI would try to import it as a node). Call under the install lock.
   */
  void removeLeftovers() {
    delete(tmpRoot);
  }

  private Path createTmp(String name) throws NodeFailure {
    try {
      Files.createDirectories(tmpRoot);
      // not createTempDirectory: its mode 700 would follow the rename and lock ComfyUI's user out
      return Files.createDirectory(tmpRoot.resolve(name + "-" + java.util.UUID.randomUUID()));
    } catch (IOException e) {
      throw new NodeFailure("cannot create a directory in " + tmpRoot + ": " + e.getMessage());
    }
  }

  private static boolean isEmptyDirectory(Path dir) {
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  static void delete(Path path) {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // best effort: a leftover temp directory is removed by the next run
    }
  }
}
