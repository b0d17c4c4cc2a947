package io.emp.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The function library source as shipped in the core jar ({@code lua/emp/library.txt} lists the
 * parts in order). Its version is a digest of the source, so any change to the Lua reloads it.
 */
public final class LuaLibrary {
  public static final String NAME = "emp";
  private static final String PLACEHOLDER = "__EMP_LIB_VERSION__";
  private static final String BASE = "lua/emp/";

  private final String source;
  private final String version;

  private LuaLibrary(String rawSource) {
    this.version = "emp-" + sha1(rawSource).substring(0, 12);
    this.source = rawSource.replace(PLACEHOLDER, version);
  }

  /** Reads and assembles the library from the classpath. */
  public static LuaLibrary fromClasspath() {
    StringBuilder src = new StringBuilder();
    for (String line : read(BASE + "library.txt").split("\n")) {
      String part = line.trim();
      if (part.isEmpty() || part.startsWith("#")) {
        continue;
      }
      src.append(read(BASE + part)).append('\n');
    }
    return new LuaLibrary(src.toString());
  }

  public String source() {
    return source;
  }

  public String version() {
    return version;
  }

  private static String read(String resource) {
    try (InputStream in = LuaLibrary.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource + " (is emp-core on the classpath?)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
