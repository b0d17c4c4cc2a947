package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.config.EnvConfig;
import io.emp.supervisor.process.GpuDetector.GpuInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuDetectorTest {
  @TempDir
  Path tmp;

  private Path fakeNvidiaSmi(String body) throws IOException {
    Path p = tmp.resolve("nvidia-smi");
    Files.writeString(p, "#!/bin/bash\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  @DisplayName("nvidia-smi's CSV gives index, name, VRAM and utilisation per GPU; the query asks for exactly those")
  void parsesNvidiaSmi() throws IOException {
    Path smi = fakeNvidiaSmi("""
      echo "$@" > "$(dirname "$0")/args"
      echo "0, NVIDIA GeForce RTX 4090, 24564, 3"
      echo "1, NVIDIA GeForce RTX 4090, 24564, [N/A]"
      """);
    assertThat(new GpuDetector(smi.toString()).detect()).containsExactly(
      new GpuInfo(0, "NVIDIA GeForce RTX 4090", 24564L, 3),
      new GpuInfo(1, "NVIDIA GeForce RTX 4090", 24564L, null));
    assertThat(Files.readString(tmp.resolve("args")).trim())
      .isEqualTo("--query-gpu=index,name,memory.total,utilization.gpu --format=csv,noheader,nounits");
  }

  @Test
  @DisplayName("no nvidia-smi, or a failing one, means 0 GPUs")
  void absent() throws IOException {
    assertThat(new GpuDetector(tmp.resolve("missing").toString()).detect()).isEmpty();
    assertThat(new GpuDetector(fakeNvidiaSmi("echo 'NVIDIA-SMI has failed'; exit 9").toString()).detect()).isEmpty();
  }

  @Test
  @DisplayName("the GPU count: EMP_GPUS overrides the spec, which overrides nvidia-smi")
  void countPrecedence() throws IOException {
    Path smi = fakeNvidiaSmi("echo '0, A100, 81920, 0'; echo '1, A100, 81920, 0'; echo '2, A100, 81920, 0'");
    Path auto = tmp.resolve("auto.yaml");
    Files.writeString(auto, "services: {w: {command: [x], instances: per_gpu}}");
    Path fixed = tmp.resolve("fixed.yaml");
    Files.writeString(fixed, "gpus: 1\nservices: {w: {command: [x], instances: per_gpu}}");
    GpuDetector detector = new GpuDetector(smi.toString());
    assertThat(plan(auto, null, detector).gpuCount()).isEqualTo(3);
    assertThat(plan(auto, null, detector).gpus()).hasSize(3);
    assertThat(plan(fixed, null, detector).gpuCount()).isEqualTo(1);
    assertThat(plan(fixed, "2", detector).instances()).extracting(InstanceSpec::name).containsExactly("w-gpu0", "w-gpu1");
    assertThat(plan(auto, "0", detector).instances()).isEmpty();
    assertThat(plan(auto, null, new GpuDetector(tmp.resolve("none").toString())).gpuCount()).isZero();
  }

  @Test
  @DisplayName("simulated_gpu: a machine without real GPUs reports each of its gpus as the simulated one; real GPUs win")
  void simulatedGpus() throws IOException {
    Path spec = tmp.resolve("sim.yaml");
    Files.writeString(spec, "gpus: 2\nsimulated_gpu: {name: Sim 4090, memory_mb: 24576}\nservices: {w: {command: [x]}}");
    assertThat(plan(spec, null, new GpuDetector(tmp.resolve("none").toString())).gpus()).containsExactly(
      new GpuInfo(0, "Sim 4090", 24576L, null), new GpuInfo(1, "Sim 4090", 24576L, null));
    assertThat(plan(spec, "3", new GpuDetector(tmp.resolve("none").toString())).gpus()).hasSize(3);
    GpuDetector real = new GpuDetector(fakeNvidiaSmi("echo '0, A100, 81920, 5'").toString());
    assertThat(plan(spec, null, real).gpus()).containsExactly(new GpuInfo(0, "A100", 81920L, 5));
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "simulated_gpu: {name: x, vram: 1}\nservices: {w: {command: [x]}}");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> plan(bad, null, real))
      .hasMessageContaining("vram");
  }

  private MachinePlan plan(Path spec, String empGpus, GpuDetector detector) {
    Map<String, String> vars = new HashMap<>(Map.of("EMP_MACHINE_SPEC", spec.toString()));
    if (empGpus != null) {
      vars.put("EMP_GPUS", empGpus);
    }
    EnvConfig env = EnvConfig.of(vars);
    return MachinePlan.load(ProcessConfig.from(env), env, detector);
  }
}
