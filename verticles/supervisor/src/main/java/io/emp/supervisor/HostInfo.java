package io.emp.supervisor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Facts about the host for the machine status document: CPUs, memory, disk of the run and models
 * directories. Blocking (reads /proc and the file system): call it off the event loop. GPU facts come
 * from the GPU detector (nvidia-smi) and are passed in.
 */
final class HostInfo {
  private HostInfo() {
  }

  static JsonObject read(List<Path> disks, JsonArray gpus) {
    JsonObject host = new JsonObject()
      .put("hostname", hostname())
      .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
      .put("arch", System.getProperty("os.arch"))
      .put("cpus", Runtime.getRuntime().availableProcessors())
      .put("gpus", gpus == null ? new JsonArray() : gpus);
    long[] mem = memory();
    if (mem != null) {
      host.put("ram_total_bytes", mem[0]).put("ram_available_bytes", mem[1]);
    }
    double[] load = loadAverage();
    if (load != null) {
      host.put("load_1m", load[0]);
    }
    JsonArray diskInfo = new JsonArray();
    for (Path p : disks) {
      File f = p.toFile();
      if (f.exists()) {
        diskInfo.add(new JsonObject().put("path", p.toString()).put("total_bytes", f.getTotalSpace())
          .put("free_bytes", f.getUsableSpace()));
      }
    }
    return host.put("disks", diskInfo);
  }

  static String hostname() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return Files.readString(Path.of("/etc/hostname")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** {total, available} bytes from /proc/meminfo; null elsewhere. */
  private static long[] memory() {
    try {
      long total = -1;
      long available = -1;
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          total = kb(line);
        } else if (line.startsWith("MemAvailable:")) {
          available = kb(line);
        }
      }
      return total < 0 ? null : new long[] {total, Math.max(0, available)};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long kb(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
  }

  private static double[] loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new double[] {Double.parseDouble(parts[0])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
