package io.emp.supervisor.nodes;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code custom_nodes/.emp-manifest.json}: what is installed, per node. The installer reads it to
 * skip pip when a node's requirements have not changed, and rewrites it (temp file, fsync, rename)
 * after each node whose entry changed, so an interrupted run keeps what it finished. A run that
 * changes nothing leaves the file byte for byte as it was: {@code installed_at} moves only when the
 * checkout or the installed requirements change.
 */
public final class Manifest {
  public static final String FILE_NAME = ".emp-manifest.json";
  static final int VERSION = 1;

  /**
   * One node. {@code commit} is the full id the checkout is at; {@code requestedCommit} the pin
   * from the config (null when tracking a branch); {@code requirementsSha256} the hash of the
   * requirements.txt that {@code pip} installed (null when pip did not run or failed).
   */
  public record Entry(String name, String url, String branch, String requestedCommit, String commit,
    boolean recursive, boolean requirementsInstalled, String requirementsSha256, String pip,
    Instant installedAt, String status, String error) {

    JsonObject toJson() {
      return new JsonObject()
        .put("name", name).put("url", url).put("branch", branch)
        .put("requested_commit", requestedCommit).put("commit", commit).put("recursive", recursive)
        .put("requirements_installed", requirementsInstalled).put("requirements_sha256", requirementsSha256)
        .put("pip", pip).put("installed_at", installedAt == null ? null : installedAt.toString())
        .put("status", status).put("error", error);
    }

    static Entry fromJson(JsonObject j) {
      String at = j.getString("installed_at");
      return new Entry(j.getString("name"), j.getString("url"), j.getString("branch"),
        j.getString("requested_commit"), j.getString("commit"), j.getBoolean("recursive", false),
        j.getBoolean("requirements_installed", false), j.getString("requirements_sha256"), j.getString("pip"),
        at == null ? null : Instant.parse(at), j.getString("status"), j.getString("error"));
    }

    public boolean ok() {
      return "ok".equals(status);
    }
  }

  private final Path file;
  private final TreeMap<String, Entry> entries = new TreeMap<>();
  private final String problem;
  private String onDisk;

  private Manifest(Path file, String onDisk, String problem) {
    this.file = file;
    this.onDisk = onDisk;
    this.problem = problem;
  }

  /** Reads the manifest of a custom_nodes directory; a missing or unreadable one gives an empty manifest. */
  public static Manifest load(Path customNodesDir) {
    Path file = customNodesDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return new Manifest(file, null, null);
    }
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Manifest m = new Manifest(file, text, null);
      JsonArray nodes = new JsonObject(text).getJsonArray("nodes", new JsonArray());
      for (int i = 0; i < nodes.size(); i++) {
        Entry e = Entry.fromJson(nodes.getJsonObject(i));
        m.entries.put(e.name(), e);
      }
      return m;
    } catch (RuntimeException | IOException e) {
      return new Manifest(file, null, "ignoring unreadable " + file + " (" + e.getMessage()
        + "): every node's requirements will be installed again");
    }
  }

  public Path file() {
    return file;
  }

  /** Why the file on disk was ignored, or empty. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  public synchronized Optional<Entry> get(String name) {
    return Optional.ofNullable(entries.get(name));
  }

  /** Entries by name. */
  public synchronized List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  synchronized void put(Entry entry) {
    entries.put(entry.name(), entry);
  }

  /** Drops entries of nodes whose directory is gone (removed by hand since). */
  synchronized void dropMissing(Path customNodesDir) {
    entries.keySet().removeIf(name -> !Files.isDirectory(customNodesDir.resolve(name)));
  }

  synchronized String encode() {
    JsonArray nodes = new JsonArray();
    entries.values().forEach(e -> nodes.add(e.toJson()));
    return new JsonObject().put("version", VERSION).put("nodes", nodes).encodePrettily() + "\n";
  }

  /** Writes the file when its content changed. @return true when written */
  synchronized boolean save() throws IOException {
    String text = encode();
    if (text.equals(onDisk)) {
      return false;
    }
    Path tmp = file.resolveSibling(FILE_NAME + "-" + java.util.UUID.randomUUID() + ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    onDisk = text;
    return true;
  }
}
