package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.supervisor.process.Readiness.Kind;
import io.emp.supervisor.process.RestartSpec.Policy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineSpecTest {
  private static final EnvConfig ENV = EnvConfig.of(Map.of("EMP_MACHINE_ID", "salad-7", "HOME_DIR", "/home/x"));
  private static final Path RUN = Path.of("/var/run/emp");

  private static MachineSpec yaml(String text) {
    return MachineSpec.parse(text, "machine.yaml", Path.of("/etc/emp"), ENV);
  }

  private static void rejects(String yaml, String... fragments) {
    assertThatThrownBy(() -> yaml(yaml)).as(yaml)
      .isInstanceOf(ConfigException.class)
      .message().contains(fragments);
  }

  private static InstanceSpec named(List<InstanceSpec> instances, String name) {
    return instances.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  @DisplayName("the documented example parses: machine id from the environment, services dependencies-first")
  void example() throws Exception {
    MachineSpec spec = MachineSpec.load(Path.of(getClass().getResource("/process/machine-example.yaml").toURI()), ENV);
    assertThat(spec.machineId()).isEqualTo("salad-7");
    assertThat(spec.pool()).isEqualTo("fast");
    assertThat(spec.gpus()).isNull();
    assertThat(spec.services().keySet()).containsExactly("comfyui", "worker", "simulation");
    ServiceSpec comfy = spec.services().get("comfyui");
    assertThat(comfy.readiness()).isEqualTo(new Readiness(Kind.HTTP, "/system_stats", 120_000));
    assertThat(comfy.restart()).isEqualTo(new RestartSpec(Policy.ALWAYS, 1000, 60_000, 5, 60_000, 30_000));
    assertThat(comfy.stopGraceMs()).isEqualTo(10_000);
    assertThat(spec.services().get("worker").readiness().kind()).isEqualTo(Kind.LOG);
    assertThat(spec.services().get("simulation").restart().policy()).isEqualTo(Policy.ON_FAILURE);
    assertThat(spec.services().get("simulation").readiness().kind()).isEqualTo(Kind.TCP);
  }

  @Test
  @DisplayName("per_gpu with 2 GPUs: x-gpu0/x-gpu1 with their own GPU, port, INSTANCE_DIR; worker n waits for comfyui n")
  void perGpuExpansion() throws Exception {
    MachineSpec spec = MachineSpec.load(Path.of(getClass().getResource("/process/machine-example.yaml").toURI()), ENV);
    List<InstanceSpec> all = spec.instances(2, RUN, 7_000);
    assertThat(all).extracting(InstanceSpec::name)
      .containsExactly("comfyui-gpu0", "comfyui-gpu1", "worker-gpu0", "worker-gpu1", "simulation");
    InstanceSpec c1 = named(all, "comfyui-gpu1");
    assertThat(c1.gpuIndex()).isEqualTo(1);
    assertThat(c1.port()).isEqualTo(8189);
    assertThat(c1.instanceDir()).isEqualTo(RUN.resolve("comfyui-gpu1"));
    assertThat(c1.command()).containsSubsequence("--port", "8189")
      .contains("/var/run/emp/comfyui-gpu1/output", "/var/run/emp/comfyui-gpu1/temp");
    assertThat(c1.env()).containsEntry("CUDA_VISIBLE_DEVICES", "1").containsEntry("GPU_INDEX", "1")
      .containsEntry("PORT", "8189").containsEntry("INSTANCE", "comfyui-gpu1")
      .containsEntry("INSTANCE_DIR", "/var/run/emp/comfyui-gpu1").containsEntry("MACHINE_ID", "salad-7")
      .containsEntry("PYTHONUNBUFFERED", "1");
    assertThat(c1.workingDir()).isEqualTo(Path.of("/opt/ComfyUI"));
    assertThat(c1.stopGraceMs()).isEqualTo(10_000);
    InstanceSpec w1 = named(all, "worker-gpu1");
    assertThat(w1.dependsOn()).containsExactly("comfyui-gpu1");
    assertThat(w1.env()).containsEntry("EMP_COMFYUI_URL", "http://127.0.0.1:8189")
      .containsEntry("EMP_WORKER_INDEX_START", "1").doesNotContainKey("PORT");
    assertThat(w1.stopGraceMs()).isEqualTo(7_000);
    InstanceSpec sim = named(all, "simulation");
    assertThat(sim.gpuIndex()).isNull();
    assertThat(sim.env()).doesNotContainKeys("CUDA_VISIBLE_DEVICES", "GPU_INDEX").containsEntry("PORT", "8299");
  }

  @Test
  @DisplayName("0 GPUs: per_gpu services have no instances, the rest is planned as usual")
  void zeroGpus() throws Exception {
    MachineSpec spec = MachineSpec.load(Path.of(getClass().getResource("/process/machine-example.yaml").toURI()), ENV);
    assertThat(spec.instances(0, RUN, 1000)).extracting(InstanceSpec::name).containsExactly("simulation");
  }

  @Test
  @DisplayName("counts are named x-0..k-1; a single instance depending on per_gpu waits for all of them")
  void countsAndFanIn() {
    MachineSpec spec = yaml("""
      services:
        gpu: {command: [a], instances: per_gpu}
        sd: {command: [b, "${PORT}", "${PORT:api}"], instances: 2, port_base: 7000, depends_on: [api]}
        api: {command: [c], port_base: 6000}
        hub: {command: [d, "${GPU_INDEX:-none}"], depends_on: [gpu, sd]}
      """);
    List<InstanceSpec> all = spec.instances(3, RUN, 1000);
    assertThat(all).extracting(InstanceSpec::name)
      .containsExactly("gpu-gpu0", "gpu-gpu1", "gpu-gpu2", "api", "sd-0", "sd-1", "hub");
    assertThat(named(all, "sd-1").command()).containsExactly("b", "7001", "6000");
    assertThat(named(all, "hub").dependsOn()).containsExactly("gpu-gpu0", "gpu-gpu1", "gpu-gpu2", "sd-0", "sd-1");
    assertThat(named(all, "hub").command()).containsExactly("d", "none");
  }

  @Test
  @DisplayName("${VAR} reads the environment, ${VAR:-default} falls back, $${ is a literal; relative working_dir is against the spec")
  void substitution() {
    MachineSpec spec = yaml("""
      machine: {pool: "${POOL:-default-pool}"}
      gpus: 1
      services:
        a:
          command: [run, "${HOME_DIR}/x", "${MISSING:-fallback}", "$${NOT_A_VAR}", "cost: $5"]
          working_dir: work/${INSTANCE}
          env: {N: 3, FLAG: true}
      """);
    assertThat(spec.pool()).isEqualTo("default-pool");
    assertThat(spec.gpus()).isEqualTo(1);
    InstanceSpec a = spec.instances(1, RUN, 1000).get(0);
    assertThat(a.command()).containsExactly("run", "/home/x/x", "fallback", "${NOT_A_VAR}", "cost: $5");
    assertThat(a.workingDir()).isEqualTo(Path.of("/etc/emp/work/a"));
    assertThat(a.env()).containsEntry("N", "3").containsEntry("FLAG", "true");
  }

  @Test
  @DisplayName("JSON specs have the same shape")
  void json(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("m.json");
    Files.writeString(file, """
      {"gpus": 2, "services": {"w": {"command": ["sleep", "1"], "instances": "per_gpu",
        "readiness": {"log": "up"}, "restart": {"policy": "never"}}}}
      """);
    MachineSpec spec = MachineSpec.load(file, ENV);
    assertThat(spec.instances(spec.gpus(), RUN, 1).stream().map(InstanceSpec::name)).containsExactly("w-gpu0", "w-gpu1");
    assertThat(spec.services().get("w").restart().policy()).isEqualTo(Policy.NEVER);
  }

  @Test
  @DisplayName("bad specs are refused with the file, the service and the field named")
  void errors() {
    rejects("services: {a: {command: [x], depends_on: [nope]}}",
      "machine.yaml: services.a.depends_on[0]: unknown service 'nope' (known: a)");
    rejects("services: {a: {command: [x], depends_on: [b]}, b: {command: [y], depends_on: [c]}, c: {command: [z], depends_on: [a]}}",
      "dependency cycle a -> b -> c -> a");
    rejects("services: {a: {command: [x], depends_on: [a]}}", "dependency cycle a -> a");
    rejects("services: {comfyui: {command: \"python3 main.py --port 8188\"}}",
      "services.comfyui.command: must be an argv list", "not a shell string");
    rejects("services: {comfyui: {command: [x], port_base: 8188, readiness: {http: system_stats}}}",
      "services.comfyui.readiness.http: must start with /");
    rejects("services: {a: {command: [x], readiness: {http: /x}}}", "services.a.readiness.http: needs port_base");
    rejects("services: {a: {command: [x], port_base: 1, readiness: {http: /x, tcp: true}}}",
      "services.a.readiness: needs exactly one of http, tcp or log");
    rejects("services: {a: {command: [x], readiness: {log: \"\"}}}", "services.a.readiness.log: must be a non-empty");
    rejects("services: {a: {command: [x], readiness: fast}}", "services.a.readiness: must be a mapping");
    rejects("services: {a: {command: [x, \"${NOPE}\"]}}", "services.a.command[1]: unknown variable ${NOPE}");
    rejects("services: {a: {command: [x], env: {U: \"http://h:${PORT:b}\"}}, b: {command: [y]}}",
      "services.a.env.U: ${PORT:b}: service b has no port_base");
    rejects("services: {a: {command: [x, \"${PORT}\"]}}", "services.a.command[1]: unknown variable ${PORT}");
    rejects("services: {a: {command: [x, \"${GPU_INDEX}\"]}}", "unknown variable ${GPU_INDEX}");
    rejects("services: {a: {command: [x], restart: {policy: sometimes}}}",
      "services.a.restart.policy: must be always, on-failure or never");
    rejects("services: {a: {command: [x], restart: {backoff_initial_ms: 5000, backoff_max_ms: 10}}}",
      "services.a.restart.backoff_max_ms: must be at least backoff_initial_ms");
    rejects("services: {a: {command: [x], dependson: [b]}}", "services.a.dependson: unknown field");
    rejects("services: {a: {command: [x], instances: lots}}", "services.a.instances: must be per_gpu or a count");
    rejects("services: {a: {command: [x], port_base: 70000}}", "services.a.port_base: 70000 is out of range");
    rejects("services: {a: {command: []}}", "services.a.command: must not be empty");
    rejects("services: {a: {command: [x], port_base: 8000, instances: 2}, b: {command: [y], port_base: 8001}}",
      "port 8001");
    rejects("services: {a: {command: [x], instances: per_gpu}, a-gpu1: {command: [y]}}",
      "services.a-gpu1: clashes with the instance names of service a");
    rejects("services: {\"../etc\": {command: [x]}}", "invalid service name");
    rejects("gpus: many\nservices: {}", "gpus: must be an integer");
    rejects("services: {a: {command: [x]}}\nextra: 1", "extra: unknown field");
    rejects("services: {a: {command: [x]}, a: {command: [y]}}", "machine.yaml: not valid YAML", "duplicate key");
    rejects("services: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://x\"]]]]",
      "machine.yaml: not valid YAML");
    assertThatThrownBy(() -> MachineSpec.parse("{}", "machine.toml", null, ENV)).hasMessageContaining(".json, .yaml or .yml");
  }

  @Test
  @DisplayName("ProcessConfig: defaults, EMP_GPUS override, invalid values named")
  void processConfig() {
    Map<String, String> m = new HashMap<>();
    ProcessConfig c = ProcessConfig.from(EnvConfig.of(m));
    assertThat(c.specPath()).isNull();
    assertThat(c.runDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "emp-run").toAbsolutePath());
    assertThat(c.logDir()).isEqualTo(c.runDir().resolve("logs"));
    assertThat(c.gpus()).isNull();
    assertThat(c.logMaxBytes()).isEqualTo(10L * 1024 * 1024);
    assertThat(c.logFiles()).isEqualTo(5);
    assertThat(c.logTailLines()).isEqualTo(1000);
    assertThat(c.stopGraceMs()).isEqualTo(10_000);
    m.put("EMP_GPUS", "0");
    m.put("EMP_RUN_DIR", "/r");
    assertThat(ProcessConfig.from(EnvConfig.of(m)).gpus()).isZero();
    assertThat(ProcessConfig.from(EnvConfig.of(m)).logDir()).isEqualTo(Path.of("/r/logs"));
    m.put("EMP_GPUS", "auto");
    assertThat(ProcessConfig.from(EnvConfig.of(m)).gpus()).isNull();
    for (String[] bad : new String[][] {{"EMP_GPUS", "-1"}, {"EMP_LOG_FILES", "0"}, {"EMP_LOG_MAX_BYTES", "ten"},
      {"EMP_STOP_GRACE_MS", "-5"}, {"EMP_LOG_TAIL_LINES", "x"}}) {
      assertThatThrownBy(() -> ProcessConfig.from(EnvConfig.of(Map.of(bad[0], bad[1]))))
        .isInstanceOf(ConfigException.class).hasMessageContaining(bad[0]);
    }
  }
}
