package io.emp.supervisor.models;

import io.emp.core.LogSafe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models installed in the models directory: one regular file per model, named after it. Sizes
 * come from the disk; the SHA-256 from the catalog when the file has the catalog's size (a 15 GB file
 * is never hashed at start: without a matching catalog entry it is reported without hash).
 * {@code last_used} starts at the file's modification time and moves to now whenever a held job uses
 * the model; {@code in_use} is the number of jobs held by this machine's workers that require it.
 * Used on the manager's context only.
 */
final class Inventory {
  private static final Logger LOG = LoggerFactory.getLogger(Inventory.class);
  private final Map<String, Model> models = new TreeMap<>();

  /** One installed model. */
  static final class Model {
    final String name;
    final long bytes;
    final String sha256;
    long lastUsed;
    int inUse;

    Model(String name, long bytes, String sha256, long lastUsed) {
      this.name = name;
      this.bytes = bytes;
      this.sha256 = sha256;
      this.lastUsed = lastUsed;
    }

    JsonObject toJson() {
      JsonObject o = new JsonObject().put("name", name).put("bytes", bytes);
      if (sha256 != null) {
        o.put("sha256", sha256);
      }
      return o.put("loaded", false).put("in_use", inUse).put("last_used", lastUsed);
    }
  }

  /** Blocking: the model files in {@code dir} (hidden files, directories and invalid names skipped). */
  static List<Model> scan(Path dir, ModelCatalog catalog) throws IOException {
    List<Model> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || !Files.isRegularFile(p)) {
          continue;
        }
        if (!ModelCatalog.validName(name)) {
          LOG.warn("models: ignoring {}: not a valid model name ([A-Za-z0-9_.:-], at most 256)", LogSafe.of(p));
          continue;
        }
        long size = Files.size(p);
        ModelCatalog.Entry e = catalog.get(name);
        String sha = e != null && e.bytes() == size ? e.sha256() : null;
        if (e != null && e.bytes() != size) {
          LOG.warn("models: {} has {} bytes on disk but {} in the catalog; reported without hash", name, size, e.bytes());
        }
        out.add(new Model(name, size, sha, Files.getLastModifiedTime(p).toMillis()));
      }
    }
    return out;
  }

  void add(Model m) {
    models.put(m.name, m);
  }

  Model get(String name) {
    return models.get(name);
  }

  Model remove(String name) {
    return models.remove(name);
  }

  Collection<Model> all() {
    return models.values();
  }

  long usedBytes() {
    return models.values().stream().mapToLong(m -> m.bytes).sum();
  }

  /** New in-use counts from the held jobs; every model in use was used now. */
  void inUse(Map<String, Integer> counts, long now) {
    for (Model m : models.values()) {
      m.inUse = counts.getOrDefault(m.name, 0);
      if (m.inUse > 0) {
        m.lastUsed = now;
      }
    }
  }

  JsonArray toJson() {
    JsonArray out = new JsonArray();
    models.values().forEach(m -> out.add(m.toJson()));
    return out;
  }
}
