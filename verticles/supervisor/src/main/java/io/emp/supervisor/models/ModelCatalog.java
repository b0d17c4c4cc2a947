package io.emp.supervisor.models;

import io.emp.core.LogSafe;
import io.emp.core.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * What this machine may download ({@code EMP_MODELS_CATALOG}): a JSON or YAML map of model name →
 * {@code {url, bytes, sha256, auth_env?}}, optionally under a top-level {@code models} key.
 * {@code auth_env} names an environment variable whose value is sent as {@code Authorization: Bearer}
 * (Hugging Face, Civitai) to the catalog URL's host only. A bad entry refuses the whole file, naming
 * the entry and field. Loading is blocking.
 */
public record ModelCatalog(Map<String, Entry> entries, long modifiedAt) {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);
  /**
   * The names the function library accepts ({@code [A-Za-z0-9_.:-]}, 1–256), not starting with a dot:
   * a name is also a file name in the models directory, so {@code ..} or {@code .partial} must not pass.
   */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,255}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** One downloadable model. */
  public record Entry(String name, URI url, long bytes, String sha256, String authEnv) {
  }

  public ModelCatalog {
    entries = Map.copyOf(entries);
  }

  public static ModelCatalog empty() {
    return new ModelCatalog(Map.of(), 0);
  }

  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  public Entry get(String name) {
    return entries.get(name);
  }

  /** Reads and validates the file; {@link ConfigException} naming the problem. */
  public static ModelCatalog load(Path file) {
    try {
      long modified = Files.getLastModifiedTime(file).toMillis();
      return new ModelCatalog(parse(Files.readString(file), file.getFileName().toString()), modified);
    } catch (IOException e) {
      throw new ConfigException("EMP_MODELS_CATALOG: cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * Blocking: this catalog, or the file's new content when it changed since; a file that cannot be
   * read or parsed any more keeps this one (logged), so a bad edit does not stop the downloads.
   */
  public ModelCatalog reloaded(Path file) {
    try {
      if (Files.getLastModifiedTime(file).toMillis() == modifiedAt) {
        return this;
      }
      ModelCatalog fresh = load(file);
      LOG.info("models: catalog {} reloaded: {} model(s)", file, fresh.entries().size());
      return fresh;
    } catch (IOException | ConfigException e) {
      LOG.warn("models: catalog {} unreadable ({}); keeping the previous one", file, LogSafe.of(e.getMessage()));
      return this;
    }
  }

  static Map<String, Entry> parse(String text, String where) {
    Object doc;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      doc = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw new ConfigException(where + ": not valid JSON or YAML: " + e.getMessage());
    }
    if (doc instanceof Map<?, ?> m && m.size() == 1 && m.get("models") instanceof Map<?, ?> inner) {
      doc = inner;
    }
    if (doc != null && !(doc instanceof Map<?, ?>)) {
      throw new ConfigException(where + ": must be a map of model name to {url, bytes, sha256}");
    }
    Map<String, Entry> out = new LinkedHashMap<>();
    if (doc != null) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) doc).entrySet()) {
        String name = String.valueOf(e.getKey());
        out.put(name, entry(name, e.getValue(), where + ": " + name));
      }
    }
    return out;
  }

  private static Entry entry(String name, Object value, String where) {
    if (!validName(name)) {
      throw new ConfigException(where + ": a model name is 1-256 characters of [A-Za-z0-9_.:-], not starting with a dot");
    }
    if (!(value instanceof Map<?, ?> m)) {
      throw new ConfigException(where + ": must be {url, bytes, sha256}");
    }
    URI url;
    try {
      url = new URI(String.valueOf(m.get("url")));
    } catch (URISyntaxException e) {
      throw new ConfigException(where + ".url: " + e.getMessage());
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
      throw new ConfigException(where + ".url: must be an absolute http(s) URL");
    }
    if (!(m.get("bytes") instanceof Number n) || n.longValue() <= 0) {
      throw new ConfigException(where + ".bytes: must be a positive integer (the file size)");
    }
    String sha = m.get("sha256") == null ? "" : String.valueOf(m.get("sha256")).toLowerCase(Locale.ROOT);
    if (!SHA256.matcher(sha).matches()) {
      throw new ConfigException(where + ".sha256: must be 64 hexadecimal digits");
    }
    Object auth = m.get("auth_env");
    if (auth != null && !String.valueOf(auth).matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new ConfigException(where + ".auth_env: must be an environment variable name");
    }
    return new Entry(name, url, n.longValue(), sha, auth == null ? null : String.valueOf(auth));
  }
}
