package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SupervisorStartTest extends SupervisorTestBase {

  @Test
  @DisplayName("a dependent starts only after its dependency's HTTP readiness passed; stopAll goes in reverse order")
  void startOrder() throws Exception {
    int port = freePort();
    Path client = script("client", "echo \"client started $(date +%s%3N)\"; exec sleep 1000");
    supervisor("""
      services:
        client:
          command: [bash, "%s"]
          depends_on: [api]
          readiness: {log: "client started"}
          stop: {grace_ms: 2000}
        api:
          command: ["%s", "%s", "${PORT}", "1500"]
          port_base: %d
          readiness: {http: /ready, timeout_s: 30}
          stop: {grace_ms: 2000}
      """.formatted(client, java(), fixture("HttpReady.java"), port));

    await(supervisor.startAll());

    assertThat(supervisor.status()).extracting(ServiceStatus::name).containsExactly("api", "client");
    assertThat(supervisor.status()).allSatisfy(s -> assertThat(s.state()).isEqualTo(ServiceState.READY));
    long booting = Long.parseLong(line("api", "booting ").split(" ")[1]);
    long listening = Long.parseLong(line("api", "listening ").split(" ")[1]);
    long clientStarted = Long.parseLong(line("client", "client started ").split(" ")[2]);
    assertThat(listening).isGreaterThanOrEqualTo(booting + 1500);
    assertThat(clientStarted).as("the client runs only once the api listens").isGreaterThanOrEqualTo(listening);
    assertThat(changes("client", ServiceState.STARTING).get(0).atMs())
      .isGreaterThanOrEqualTo(changes("api", ServiceState.READY).get(0).atMs());
    assertThat(status("api").port()).isEqualTo(port);
    assertThat(status("api").pid()).isNotNull();

    await(supervisor.stopAll());
    assertThat(supervisor.status()).allSatisfy(s -> assertThat(s.state()).isEqualTo(ServiceState.STOPPED));
    assertThat(changes("api", ServiceState.STOPPING).get(0).atMs())
      .isGreaterThanOrEqualTo(changes("client", ServiceState.STOPPED).get(0).atMs());
  }

  @Test
  @DisplayName("EMP_GPUS=2: x-gpu0 and x-gpu1, each with its CUDA_VISIBLE_DEVICES, PORT and own INSTANCE_DIR")
  void perGpu() throws Exception {
    Path x = script("x", """
      mkdir -p "$INSTANCE_DIR/output" && echo "$INSTANCE" > "$INSTANCE_DIR/output/owner"
      echo "env CUDA=$CUDA_VISIBLE_DEVICES GPU=$GPU_INDEX PORT=$PORT INSTANCE=$INSTANCE DIR=$INSTANCE_DIR PEER=$PEER"
      exec sleep 1000""");
    supervisor("""
      services:
        x:
          command: [bash, "%s"]
          instances: per_gpu
          port_base: 9100
          env: {PEER: "${PORT:x}"}
          readiness: {log: "^env "}
      """.formatted(x), "EMP_GPUS", "2");

    await(supervisor.startAll());

    Path run = tmp.resolve("run");
    for (int gpu = 0; gpu < 2; gpu++) {
      String name = "x-gpu" + gpu;
      Path dir = run.resolve(name).toAbsolutePath();
      assertThat(line(name, "env ")).isEqualTo("env CUDA=" + gpu + " GPU=" + gpu + " PORT=" + (9100 + gpu)
        + " INSTANCE=" + name + " DIR=" + dir + " PEER=" + (9100 + gpu));
      assertThat(Files.readString(dir.resolve("output/owner")).trim()).isEqualTo(name);
      assertThat(status(name).gpu()).isEqualTo(gpu);
      assertThat(status(name).state()).isEqualTo(ServiceState.READY);
    }
    assertThat(run.resolve("logs/x-gpu1-out.log")).exists();
  }

  @Test
  @DisplayName("a readiness timeout fails the instance (its process killed) and its dependents are not started")
  void readinessTimeout() throws Exception {
    Path never = script("never", "trap 'exit 0' TERM; echo up; while true; do sleep 0.1; done");
    supervisor("""
      services:
        slow:
          command: [bash, "%s"]
          port_base: %d
          readiness: {http: /ready, timeout_s: 1}
          stop: {grace_ms: 1000}
        after:
          command: [sleep, "1000"]
          depends_on: [slow]
        independent:
          command: [sleep, "1000"]
      """.formatted(never, freePort()));

    String failure = failure(supervisor.startAll());

    assertThat(failure).contains("2 of 3 services not ready", "slow failed", "not ready within 1 s",
      "after pending (not started: dependency slow failed)");
    ServiceStatus slow = status("slow");
    assertThat(slow.state()).isEqualTo(ServiceState.FAILED);
    assertThat(slow.lastError()).startsWith("readiness: GET http://127.0.0.1:").contains("/ready not ready within 1 s");
    assertThat(slow.pid()).isNull();
    long slowPid = spawns("slow").get(0).status().pid();
    assertThat(ProcessTree.gone(slowPid)).isTrue();
    ServiceStatus after = status("after");
    assertThat(after.state()).isEqualTo(ServiceState.PENDING);
    assertThat(after.pid()).isNull();
    assertThat(after.lastError()).isEqualTo("not started: dependency slow failed");
    assertThat(spawns("after")).isEmpty();
    assertThat(tmp.resolve("run/logs/after-out.log")).doesNotExist();
    assertThat(status("independent").state()).isEqualTo(ServiceState.READY);

    String refused = failure(supervisor.start("after"));
    assertThat(refused).isEqualTo("cannot start after: dependency slow is failed");
  }

  @Test
  @DisplayName("0 GPUs (a CPU/simulation machine): per_gpu services have no instances and the rest runs")
  void zeroGpus() throws Exception {
    supervisor("""
      services:
        comfyui: {command: [sleep, "1000"], instances: per_gpu, port_base: 8188, readiness: {http: /system_stats}}
        worker: {command: [sleep, "1000"], instances: per_gpu, depends_on: [comfyui]}
        simulation: {command: [bash, -c, "echo sim ready; exec sleep 1000"], readiness: {log: "sim ready"}}
        hub: {command: [sleep, "1000"], depends_on: [comfyui]}
      """, "EMP_GPUS", "0");

    await(supervisor.startAll());

    assertThat(supervisor.status()).extracting(ServiceStatus::name, ServiceStatus::state).containsExactly(
      org.assertj.core.groups.Tuple.tuple("simulation", ServiceState.READY),
      org.assertj.core.groups.Tuple.tuple("hub", ServiceState.READY));
    await(supervisor.restart("comfyui")); // a known service with no instance: nothing to do
  }

  @Test
  @DisplayName("TCP readiness waits for the port to accept connections")
  void tcpReadiness() throws Exception {
    int port = freePort();
    supervisor("""
      services:
        api:
          command: ["%s", "%s", "${PORT}", "700"]
          port_base: %d
          readiness: {tcp: true, timeout_s: 30}
      """.formatted(java(), fixture("HttpReady.java"), port));

    await(supervisor.startAll());

    long listening = Long.parseLong(line("api", "listening ").split(" ")[1]);
    assertThat(changes("api", ServiceState.READY).get(0).atMs()).isGreaterThanOrEqualTo(listening);
    assertThat(List.of(status("api").state())).containsExactly(ServiceState.READY);
  }
}
