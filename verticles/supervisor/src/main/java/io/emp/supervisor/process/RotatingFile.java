package io.emp.supervisor.process;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An append-only log file rotated by size: before a write would take {@code x.log} past
 * {@code maxBytes}, {@code x.log.(k)} becomes {@code x.log.(k+1)}, {@code x.log} becomes {@code x.log.1},
 * and the oldest beyond {@code files} in total is deleted. Each line is written straight through, so a
 * follower sees it at once. Thread-safe; blocking, used from the log pump threads only.
 */
final class RotatingFile implements AutoCloseable {
  private final Path path;
  private final long maxBytes;
  private final int files;
  private OutputStream out;
  private long size;

  RotatingFile(Path path, long maxBytes, int files) {
    this.path = path;
    this.maxBytes = maxBytes;
    this.files = files;
  }

  synchronized void write(byte[] line) throws IOException {
    if (out == null) {
      Files.createDirectories(path.getParent());
      out = new FileOutputStream(path.toFile(), true);
      size = Files.size(path);
    }
    if (size > 0 && size + line.length > maxBytes) {
      rotate();
    }
    out.write(line);
    size += line.length;
  }

  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(numbered(files - 1));
    for (int k = files - 2; k >= 1; k--) {
      if (Files.exists(numbered(k))) {
        Files.move(numbered(k), numbered(k + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (files > 1) {
      Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }
    out = new FileOutputStream(path.toFile(), false);
    size = 0;
  }

  private Path numbered(int k) {
    return k == 0 ? path : path.resolveSibling(path.getFileName() + "." + k);
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
