package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real git repositories for the tests, in a temp directory: the "remotes" the installer clones from
 * over {@code file://}. Host git configuration is ignored so the tests behave the same everywhere.
 */
final class GitFixture {
  private final Path root;

  GitFixture(Path root) {
    this.root = root;
  }

  /** A new repository on branch {@code main} with one commit holding {@code files}. */
  Path repo(String name, Map<String, String> files) throws IOException {
    Path repo = root.resolve(name);
    Files.createDirectories(repo);
    git(repo, "init", "-q", "-b", "main");
    commit(repo, files, "initial");
    return repo;
  }

  /** Writes (or, with a null value, deletes) files and commits them. @return the new commit id */
  String commit(Path repo, Map<String, String> files, String message) throws IOException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path file = repo.resolve(f.getKey());
      if (f.getValue() == null) {
        Files.deleteIfExists(file);
      } else {
        Files.createDirectories(file.getParent());
        Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
      }
    }
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "--allow-empty", "-m", message);
    return head(repo);
  }

  String head(Path repo) throws IOException {
    return git(repo, "rev-parse", "HEAD").strip();
  }

  static String url(Path repo) {
    return "file://" + repo.toAbsolutePath();
  }

  /** Runs git in {@code dir}; fails the test on a non-zero exit. @return stdout */
  static String git(Path dir, String... args) throws IOException {
    List<String> argv = new ArrayList<>(List.of("git", "-c", "protocol.file.allow=always"));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_AUTHOR_NAME", "Test");
    env.put("GIT_AUTHOR_EMAIL", "test@example.invalid");
    env.put("GIT_COMMITTER_NAME", "Test");
    env.put("GIT_COMMITTER_EMAIL", "test@example.invalid");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("git " + String.join(" ", args) + " failed in " + dir + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }
}
