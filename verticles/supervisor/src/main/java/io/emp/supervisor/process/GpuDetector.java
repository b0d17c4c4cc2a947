package io.emp.supervisor.process;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPUs from {@code nvidia-smi --query-gpu=index,name,memory.total,utilization.gpu --format=csv,noheader,nounits}.
 * No nvidia-smi, or one that fails, means no GPUs: a CPU or simulation machine. {@link #detect()} blocks
 * (it runs a process); on an event loop use {@link #detect(Vertx)}.
 */
public final class GpuDetector {
  public static final String DEFAULT_COMMAND = "nvidia-smi";
  static final String QUERY = "--query-gpu=index,name,memory.total,utilization.gpu";
  private static final long TIMEOUT_MS = 10_000;
  private static final Logger log = LoggerFactory.getLogger(GpuDetector.class);
  private final String command;

  /**
   * One GPU as nvidia-smi reports it.
   *
   * @param memoryTotalMb  {@code memory.total} in MiB, null when not reported
   * @param utilizationPct {@code utilization.gpu} in %, null when not reported ({@code [N/A]})
   */
  public record GpuInfo(int index, String name, Long memoryTotalMb, Integer utilizationPct) {
  }

  public GpuDetector() {
    this(DEFAULT_COMMAND);
  }

  /** @param command the nvidia-smi executable (a path, or a name looked up on PATH) */
  public GpuDetector(String command) {
    this.command = command;
  }

  /** The GPUs now, with their utilisation; empty when there is no usable nvidia-smi. Blocking. */
  public List<GpuInfo> detect() {
    Process p;
    try {
      p = new ProcessBuilder(command, QUERY, "--format=csv,noheader,nounits").redirectErrorStream(true).start();
    } catch (IOException e) {
      log.debug("no {}: {}", command, e.getMessage());
      return List.of();
    }
    try (InputStream in = p.getInputStream()) {
      // a few lines of output fit in the pipe, so waiting first cannot dead-lock, and a hung driver is bounded
      if (!p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        log.warn("{} did not answer within {} ms; assuming no GPUs", command, TIMEOUT_MS);
        return List.of();
      }
      String text = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        log.warn("{} exited with {}; assuming no GPUs: {}", command, p.exitValue(), text.strip());
        return List.of();
      }
      return parse(text);
    } catch (IOException e) {
      log.warn("{} failed: {}", command, e.toString());
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } finally {
      p.destroyForcibly();
    }
  }

  /** {@link #detect()} on a worker thread. */
  public Future<List<GpuInfo>> detect(Vertx vertx) {
    return vertx.executeBlocking(this::detect, false);
  }

  /** Parses the CSV lines; lines that do not parse are skipped. */
  static List<GpuInfo> parse(String csv) {
    List<GpuInfo> out = new ArrayList<>();
    for (String line : csv.split("\\R")) {
      String[] f = line.split(",");
      if (f.length < 2) {
        continue;
      }
      try {
        int index = Integer.parseInt(f[0].trim());
        Long memory = f.length > 2 ? number(f[2]) : null;
        Long util = f.length > 3 ? number(f[3]) : null;
        out.add(new GpuInfo(index, f[1].trim(), memory, util == null ? null : util.intValue()));
      } catch (NumberFormatException e) {
        log.debug("skipping nvidia-smi line {}", line);
      }
    }
    return out;
  }

  private static Long number(String s) {
    try {
      return (long) Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      return null; // [N/A], [Not Supported]
    }
  }
}
