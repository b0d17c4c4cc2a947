package io.emp.worker.connector.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the capability fragment out of ComfyUI's answers: the GPU from {@code GET /system_stats}
 * ({@code devices[0].name} like {@code "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync"} and
 * {@code vram_total} in bytes) and model file names from {@code GET /object_info/{class}}
 * ({@code <class>.input.required.<input>[0]}, the list of choices).
 */
final class SystemInfo {
  private static final double GIB = 1024.0 * 1024 * 1024;

  private SystemInfo() {
  }

  /** {@code {"gpu_model": "NVIDIA GeForce RTX 4090", "gpu_memory_gb": 24}}, or null without a GPU. */
  static JsonObject hardware(JsonObject systemStats) {
    if (!(systemStats.getValue("devices") instanceof JsonArray devices) || devices.isEmpty()
      || !(devices.getValue(0) instanceof JsonObject device) || "cpu".equals(device.getValue("type"))) {
      return null;
    }
    JsonObject hw = new JsonObject();
    if (device.getValue("name") instanceof String name && !name.isBlank()) {
      hw.put("gpu_model", gpuModel(name));
    }
    if (device.getValue("vram_total") instanceof Number vram && vram.doubleValue() > 0) {
      hw.put("gpu_memory_gb", Math.round(vram.doubleValue() / GIB));
    }
    return hw.isEmpty() ? null : hw;
  }

  /** Drops the torch device prefix ({@code cuda:0 }) and the allocator suffix ({@code : cudaMallocAsync}). */
  static String gpuModel(String deviceName) {
    String name = deviceName.strip().replaceFirst("^[a-z]+:\\d+\\s+", "");
    int colon = name.lastIndexOf(" : ");
    return (colon > 0 ? name.substring(0, colon) : name).strip();
  }

  /** The choices of {@code nodeClass.input.required.input[0]} in an {@code /object_info} answer. */
  static List<String> choices(JsonObject objectInfo, String nodeClass, String input) {
    List<String> out = new ArrayList<>();
    if (objectInfo.getValue(nodeClass) instanceof JsonObject node
      && node.getValue("input") instanceof JsonObject in
      && in.getValue("required") instanceof JsonObject required
      && required.getValue(input) instanceof JsonArray spec
      && !spec.isEmpty()
      && spec.getValue(0) instanceof JsonArray names) {
      for (Object n : names) {
        if (n instanceof String s && !s.isBlank()) {
          out.add(s);
        }
      }
    }
    return out;
  }
}
