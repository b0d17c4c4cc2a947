package io.emp.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.config.EnvConfig;
import io.emp.supervisor.process.InstanceSpec;
import io.emp.supervisor.process.MachineSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The machine specs shipped in deploy/machine stay valid and expand as documented. */
class DeploySpecsTest {
  private static final Path DIR = Path.of("../../deploy/machine");

  @Test
  @DisplayName("the ComfyUI GPU spec gives one ComfyUI and one worker per GPU, each worker bound to its GPU's ComfyUI")
  void comfyui() {
    MachineSpec spec = MachineSpec.load(DIR.resolve("comfyui-gpu.yaml"), EnvConfig.of(Map.of("EMP_MACHINE_ID", "box-1")));
    List<InstanceSpec> instances = spec.instances(2, Path.of("/tmp/emp-run-test"), 10_000);
    assertThat(instances).extracting(InstanceSpec::name)
      .containsExactlyInAnyOrder("comfyui-gpu0", "comfyui-gpu1", "worker-gpu0", "worker-gpu1");
    InstanceSpec w1 = instances.stream().filter(i -> i.name().equals("worker-gpu1")).findFirst().orElseThrow();
    assertThat(w1.env()).containsEntry("EMP_COMFYUI_URL", "http://127.0.0.1:8189")
      .containsEntry("EMP_WORKER_INDEX_START", "1").containsEntry("CUDA_VISIBLE_DEVICES", "1");
    assertThat(w1.dependsOn()).containsExactly("comfyui-gpu1");
  }

  @Test
  @DisplayName("the simulation spec runs on a machine without GPUs")
  void simulation() {
    MachineSpec spec = MachineSpec.load(DIR.resolve("simulation.yaml"), EnvConfig.of(Map.of("EMP_MACHINE_ID", "sim-1")));
    assertThat(spec.instances(0, Path.of("/tmp/emp-run-test"), 10_000)).extracting(InstanceSpec::name)
      .containsExactly("worker");
  }
}
