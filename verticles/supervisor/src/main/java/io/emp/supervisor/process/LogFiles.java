package io.emp.supervisor.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output of every instance: {@code <dir>/<instance>-out.log} and {@code -err.log}, each line prefixed
 * with its UTC time ({@code 2025-01-31T12:00:00.000Z line}), rotated by size ({@link RotatingFile}); plus
 * an in-memory tail per instance with both streams merged ({@code <time> [out] line},
 * {@code [err]}, and {@code [supervisor]} for start/exit/restart notes). The child's pipes are read on
 * daemon threads, never on an event loop. Thread-safe.
 */
public final class LogFiles implements AutoCloseable {
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Logger log = LoggerFactory.getLogger(LogFiles.class);
  private final Path dir;
  private final long maxBytes;
  private final int files;
  private final int tailLines;
  private final Map<String, InstanceLog> logs = new ConcurrentHashMap<>();

  public LogFiles(Path dir, long maxBytes, int files, int tailLines) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.files = files;
    this.tailLines = tailLines;
  }

  public static LogFiles from(ProcessConfig config) {
    return new LogFiles(config.logDir(), config.logMaxBytes(), config.logFiles(), config.logTailLines());
  }

  public Path dir() {
    return dir;
  }

  /** {@code <dir>/<instance>-out.log} or {@code -err.log}. */
  public static Path file(Path dir, String instance, String stream) {
    return dir.resolve(instance + "-" + stream + ".log");
  }

  /** The last {@code n} lines of the instance from memory (both streams, oldest first); empty if unknown. */
  public List<String> tail(String instance, int n) {
    InstanceLog l = logs.get(instance);
    return l == null ? List.of() : l.tail.last(n);
  }

  /**
   * Starts copying the child's stdout and stderr into the instance's files and tail; {@code lineHook}
   * (may be null) sees every line on the pump thread, for log readiness probes.
   */
  List<Thread> attach(String instance, Process process, Consumer<String> lineHook) {
    InstanceLog l = instance(instance);
    return List.of(
      LinePump.start("log-" + instance + "-out", process.getInputStream(), line -> l.out.accept(line, lineHook)),
      LinePump.start("log-" + instance + "-err", process.getErrorStream(), line -> l.err.accept(line, lineHook)));
  }

  /** A supervisor event (spawned, exited, restarting) in the instance's tail; not in the files. */
  void note(String instance, String text) {
    instance(instance).tail.add(TIME.format(Instant.now()) + " [supervisor] " + text);
  }

  private InstanceLog instance(String instance) {
    return logs.computeIfAbsent(instance, i -> new InstanceLog(i, new LineTail(tailLines)));
  }

  @Override
  public void close() {
    logs.values().forEach(l -> {
      l.out.close();
      l.err.close();
    });
  }

  private final class InstanceLog {
    final LineTail tail;
    final Stream out;
    final Stream err;

    InstanceLog(String instance, LineTail tail) {
      this.tail = tail;
      this.out = new Stream(instance, "out", tail);
      this.err = new Stream(instance, "err", tail);
    }
  }

  private final class Stream {
    private final String marker;
    private final LineTail tail;
    private final Path path;
    private final RotatingFile file;
    private volatile boolean failing;

    Stream(String instance, String name, LineTail tail) {
      this.marker = " [" + name + "] ";
      this.tail = tail;
      this.path = file(dir, instance, name);
      this.file = new RotatingFile(path, maxBytes, files);
    }

    void accept(String line, Consumer<String> hook) {
      String time = TIME.format(Instant.now());
      tail.add(time + marker + line);
      try {
        file.write((time + " " + line + "\n").getBytes(StandardCharsets.UTF_8));
        failing = false;
      } catch (IOException e) {
        if (!failing) {
          log.warn("cannot write {}: {} (lines stay in the in-memory tail)", path, e.toString());
          failing = true;
        }
      }
      if (hook != null) {
        hook.accept(line);
      }
    }

    void close() {
      try {
        file.close();
      } catch (IOException e) {
        log.debug("closing a log file: {}", e.toString());
      }
    }
  }
}
