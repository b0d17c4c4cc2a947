package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

  private static WorkerConfig parse(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return WorkerConfig.from(EnvConfig.of(m));
  }

  private static void rejects(String variable, String... kv) {
    assertThatThrownBy(() -> parse(kv)).as(String.join(" ", kv))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining(variable);
  }

  @Test
  @DisplayName("defaults suit a laptop: one simulation worker with one slot on the host's name")
  void defaults() {
    WorkerConfig c = parse("HOSTNAME", "gpu-box.local");
    assertThat(c.machineId()).isEqualTo("gpu-box.local");
    assertThat(c.workers()).isEqualTo(1);
    assertThat(c.slots()).isEqualTo(1);
    assertThat(c.connectors()).containsExactly("simulation");
    assertThat(c.heartbeatMs()).isEqualTo(2_000);
    assertThat(c.leaseMs()).isEqualTo(15_000);
    assertThat(c.shutdownGraceMs()).isEqualTo(30_000);
    assertThat(c.claimPollMs()).isEqualTo(5_000);
    assertThat(c.healthPort()).isEqualTo(9091);
    assertThat(c.healthHost()).isEqualTo("127.0.0.1");
    assertThat(c.pool()).isNull();
    assertThat(c.jobTimeoutS()).isNull();
    assertThat(c.extraCapabilities().isEmpty()).isTrue();
    assertThat(c.redis().namespace()).isEqualTo("main");
  }

  @Test
  @DisplayName("worker ids are {machine}-worker-{n} from EMP_WORKER_INDEX_START")
  void workerIds() {
    WorkerConfig c = parse("EMP_MACHINE_ID", "salad-42", "EMP_WORKERS", "3", "EMP_WORKER_INDEX_START", "2");
    assertThat(c.workerIds()).containsExactly("salad-42-worker-2", "salad-42-worker-3", "salad-42-worker-4");
  }

  @Test
  @DisplayName("a host name is sanitised into a valid machine id")
  void sanitisedHostname() {
    assertThat(parse("HOSTNAME", "my host/with*odd chars").machineId()).isEqualTo("my-host-with-odd-chars");
    assertThat(WorkerConfig.sanitise("x".repeat(100))).hasSize(64);
    assertThat(WorkerConfig.sanitise("  ")).isEqualTo("machine");
  }

  @Test
  @DisplayName("EMP_WORKER_HEALTH_PORT overrides EMP_HEALTH_PORT, so the worker can share a host with other roles")
  void workerHealthPort() {
    assertThat(parse("EMP_HEALTH_PORT", "9092", "EMP_WORKER_HEALTH_PORT", "0").healthPort()).isEqualTo(0);
    assertThat(parse("EMP_HEALTH_PORT", "-1").healthPort()).isEqualTo(-1);
  }

  @Test
  @DisplayName("every invalid value is refused with the variable named")
  void errorsNameTheVariable() {
    rejects("EMP_WORKER_SLOTS", "EMP_WORKER_SLOTS", "0");
    rejects("EMP_WORKER_SLOTS", "EMP_WORKER_SLOTS", "257");
    rejects("EMP_WORKERS", "EMP_WORKERS", "many");
    rejects("EMP_WORKER_INDEX_START", "EMP_WORKER_INDEX_START", "-1");
    rejects("EMP_HEARTBEAT_MS", "EMP_HEARTBEAT_MS", "0");
    rejects("EMP_LEASE_MS", "EMP_HEARTBEAT_MS", "5000", "EMP_LEASE_MS", "10000");
    rejects("EMP_SHUTDOWN_GRACE_MS", "EMP_SHUTDOWN_GRACE_MS", "58000");
    rejects("EMP_CLAIM_POLL_MS", "EMP_CLAIM_POLL_MS", "0");
    rejects("EMP_HEALTH_PORT", "EMP_HEALTH_PORT", "70000");
    rejects("EMP_MACHINE_ID", "EMP_MACHINE_ID", "bad id!");
    rejects("EMP_POOL", "EMP_POOL", "fast lane");
    rejects("EMP_JOB_TIMEOUT_S", "EMP_JOB_TIMEOUT_S", "-1");
    rejects("EMP_WORKER_CAPABILITIES", "EMP_WORKER_CAPABILITIES", "{not json");
    rejects("EMP_WORKER_CAPABILITIES", "EMP_WORKER_CAPABILITIES", "[1,2]");
    rejects("EMP_WORKER_CAPABILITIES", "EMP_WORKER_CAPABILITIES", "{\"services\":[\"x\"]}");
    rejects("EMP_REDIS_URL", "EMP_REDIS_URL", "http://localhost");
    rejects("EMP_NAMESPACE", "EMP_NAMESPACE", "a b");
  }

  @Test
  @DisplayName("an unknown connector is refused with the list of known ones")
  void unknownConnector() {
    assertThatThrownBy(() -> parse("EMP_CONNECTORS", "simulation,comfy"))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_CONNECTORS")
      .hasMessageContaining("comfy")
      .hasMessageContaining("known: a1111, comfyui, ollama, openai, rest, rest_async, simulation, websocket");
    rejects("EMP_CONNECTORS", "EMP_CONNECTORS", "simulation,simulation");
  }

  @Test
  @DisplayName("connector settings are validated before Vert.x starts, naming the variable")
  void connectorSettings() {
    assertThatThrownBy(() -> new WorkerRole(EnvConfig.of(Map.of("EMP_SIM_DURATION_MS", "-5"))))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_SIM_DURATION_MS");
    assertThatThrownBy(() -> new WorkerRole(EnvConfig.of(Map.of("EMP_SIM_FAIL_RATE", "2"))))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_SIM_FAIL_RATE");
    assertThat(WorkerRole.deployables(EnvConfig.of(Map.of("EMP_WORKERS", "4")))).hasSize(1);
  }

  @Test
  @DisplayName("optional values are parsed: pool, job timeout, extra capabilities, connectors")
  void optionals() {
    WorkerConfig c = parse("EMP_POOL", "heavy", "EMP_JOB_TIMEOUT_S", "90.5",
      "EMP_WORKER_CAPABILITIES", "{\"hardware\":{\"gpu_memory_gb\":24}}", "EMP_CONNECTORS", " Simulation ");
    assertThat(c.pool()).isEqualTo("heavy");
    assertThat(c.jobTimeoutS()).isEqualTo(90.5);
    assertThat(c.extraCapabilities().getJsonObject("hardware").getInteger("gpu_memory_gb")).isEqualTo(24);
    assertThat(c.connectors()).isEqualTo(List.of("simulation"));
  }
}
