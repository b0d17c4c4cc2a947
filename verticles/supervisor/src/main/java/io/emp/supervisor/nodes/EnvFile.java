package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Writes a node's {@code .env}. Values are double-quoted with {@code \\ \" \n \r \t} escapes, which
 * python-dotenv (what ComfyUI nodes load) reads back exactly, so spaces, {@code #}, quotes and
 * newlines survive. python-dotenv cannot read a double-quoted value that ends in a backslash, so
 * such a value is written unquoted when that is safe and refused otherwise. The file holds secrets:
 * it is written with mode 600, through a temp file and a rename, and only when its content changes.
 */
final class EnvFile {
  static final String FILE_NAME = ".env";
  private static final String HEADER =
    "# Written by emp-supervisor install-nodes from the node config; edits are overwritten.\n";

  private EnvFile() {
  }

  /** @throws IllegalArgumentException naming the key whose value cannot be written */
  static String render(Map<String, String> values) {
    StringBuilder out = new StringBuilder(HEADER);
    values.forEach((key, value) -> out.append(key).append('=').append(encode(key, value)).append('\n'));
    return out.toString();
  }

  static String encode(String key, String value) {
    if (!value.endsWith("\\")) {
      return quote(value);
    }
    boolean unquotedSafe = !value.isBlank()
      && value.strip().equals(value)
      && value.chars().noneMatch(c -> c == '\n' || c == '\r' || c == '#')
      && value.charAt(0) != '"' && value.charAt(0) != '\'';
    if (!unquotedSafe) {
      throw new IllegalArgumentException("the value of " + key + " ends with a backslash and also holds"
        + " spaces at an end, a newline or '#': python-dotenv cannot read such a value back");
    }
    return value;
  }

  private static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }

  /** @return true when the file was (re)written, false when it already had this content */
  static boolean write(Path nodeDir, String content) throws IOException {
    Path file = nodeDir.resolve(FILE_NAME);
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
      return false;
    }
    Path tmp = Files.createTempFile(nodeDir, ".env-", ".tmp",
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return true;
  }
}
