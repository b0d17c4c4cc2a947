package io.emp.supervisor.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads the log files written by {@link LogFiles} from disk: the last N lines (reaching into the
 * rotated {@code x.log.1}, {@code x.log.2}… when needed), and a {@link Follower} for {@code -f} that
 * survives rotation. Blocking: for the CLI, or an {@code executeBlocking}.
 */
public final class LogReader {
  private static final int CHUNK = 8192;

  private LogReader() {
  }

  /** The last {@code n} lines of {@code file} and its rotated predecessors, oldest first. */
  public static List<String> lastLines(Path file, int n) throws IOException {
    return lastLines(file, n, Long.MAX_VALUE);
  }

  /** As {@link #lastLines(Path, int)}, reading {@code file} only up to byte {@code end}. */
  static List<String> lastLines(Path file, int n, long end) throws IOException {
    List<String> lines = Files.exists(file) ? lastLinesOf(file, n, end) : new ArrayList<>();
    for (int k = 1; lines.size() < n; k++) {
      Path older = file.resolveSibling(file.getFileName() + "." + k);
      if (!Files.exists(older)) {
        break;
      }
      List<String> before = lastLinesOf(older, n - lines.size(), Long.MAX_VALUE);
      before.addAll(lines);
      lines = before;
    }
    return lines;
  }

  private static List<String> lastLinesOf(Path file, int n, long end) throws IOException {
    if (n <= 0) {
      return new ArrayList<>();
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = Math.min(end, ch.size());
      long start = startOfLastLines(ch, size, n);
      ByteBuffer all = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, size - start));
      readFully(ch, all, start);
      String text = new String(all.array(), 0, all.position(), StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      return lines;
    } catch (NoSuchFileException e) {
      return new ArrayList<>(); // rotated away meanwhile
    }
  }

  /** The offset just after the n-th newline from the end (a final newline does not count). */
  private static long startOfLastLines(FileChannel ch, long size, int n) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    long pos = size;
    int newlines = 0;
    while (pos > 0) {
      int len = (int) Math.min(CHUNK, pos);
      pos -= len;
      buf.clear().limit(len);
      readFully(ch, buf, pos);
      for (int i = len - 1; i >= 0; i--) {
        if (buf.get(i) == '\n' && pos + i != size - 1 && ++newlines == n) {
          return pos + i + 1;
        }
      }
    }
    return 0;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, at + buf.position());
      if (r <= 0) {
        break;
      }
    }
  }

  /**
   * Follows one log path like {@code tail -F}: returns the complete lines appended since the last poll,
   * finishing the old file and switching to the new one when {@code x.log} was rotated (a new inode),
   * and starting over when the file was truncated. Not thread-safe.
   */
  public static final class Follower implements AutoCloseable {
    private final Path path;
    private FileChannel channel;
    private Object key;
    private long position;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    /** Starts at the current end of {@code path} (or at its start once it appears). */
    public Follower(Path path) throws IOException {
      this.path = path;
      if (open()) {
        position = channel.size();
      }
    }

    /** Where the next read starts in the current file: the lines before it are the caller's "last N". */
    public long position() {
      return position;
    }

    public Path path() {
      return path;
    }

    public List<String> poll() throws IOException {
      List<String> lines = new ArrayList<>();
      if (channel == null && !open()) {
        return lines;
      }
      drain(lines);
      Object now = currentKey();
      if (now != null && !Objects.equals(now, key)) {
        drain(lines); // what was written between the first drain and the rename
        channel.close();
        channel = null;
        partial.reset();
        if (open()) {
          drain(lines);
        }
      } else if (now != null && Files.size(path) < position) {
        position = 0;
        partial.reset();
        drain(lines);
      }
      return lines;
    }

    private boolean open() throws IOException {
      try {
        channel = FileChannel.open(path, StandardOpenOption.READ);
        key = currentKey();
        position = 0;
        return true;
      } catch (NoSuchFileException e) {
        return false;
      }
    }

    private Object currentKey() throws IOException {
      try {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
      } catch (NoSuchFileException e) {
        return null;
      }
    }

    private void drain(List<String> lines) throws IOException {
      ByteBuffer buf = ByteBuffer.allocate(CHUNK);
      int r;
      while ((r = channel.read(buf.clear(), position)) > 0) {
        position += r;
        for (int i = 0; i < r; i++) {
          byte b = buf.get(i);
          if (b == '\n') {
            lines.add(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
          } else {
            partial.write(b);
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (channel != null) {
        channel.close();
      }
    }
  }
}
