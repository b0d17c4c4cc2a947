package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SupervisorRestartTest extends SupervisorTestBase {

  @Test
  @DisplayName("a crashing service is restarted with growing backoff and reaches crashloop after N restarts in the window")
  void crashLoop() throws Exception {
    Path crash = script("crash", "echo 'boom'; exit 3");
    supervisor("""
      services:
        crashy:
          command: [bash, "%s"]
          restart: {policy: always, backoff_initial_ms: 100, backoff_max_ms: 10000, crash_loop: {restarts: 3, window_s: 60}}
      """.formatted(crash));

    await(supervisor.startAll()); // readiness none: ready once spawned
    waitForState("crashy", ServiceState.CRASHLOOP);

    ServiceStatus st = status("crashy");
    assertThat(st.restarts()).isEqualTo(3);
    assertThat(st.lastExitCode()).isEqualTo(3);
    assertThat(st.pid()).isNull();
    assertThat(st.lastError()).contains("crash loop", "exited with code 3", "3 restarts within 60 s");
    assertThat(changes("crashy", ServiceState.BACKOFF)).extracting(c -> c.status().lastError())
      .containsExactly("exited with code 3; restarting in 100 ms", "exited with code 3; restarting in 200 ms",
        "exited with code 3; restarting in 400 ms");
    List<Change> spawns = spawns("crashy");
    assertThat(spawns).hasSize(4);
    long[] delays = {100, 200, 400};
    for (int i = 0; i < 3; i++) {
      assertThat(spawns.get(i + 1).atMs() - spawns.get(i).atMs()).as("gap before restart %d", i + 1)
        .isGreaterThanOrEqualTo(delays[i]);
    }
    // the exit waits at most 100 ms for the log pumps: a starved pump thread may deliver the last line later
    waitUntil("4 booms in the tail", () -> supervisor.tail("crashy", 100).stream().filter(l -> l.endsWith("[out] boom")).count() >= 4);
    assertThat(supervisor.tail("crashy", 100)).filteredOn(l -> l.endsWith("[out] boom")).hasSize(4);

    Thread.sleep(500); // longer than the next backoff would have been: no automatic restart any more
    assertThat(spawns("crashy")).hasSize(4);

    await(supervisor.start("crashy")); // explicit start clears the crash-loop history
    waitUntil("crash loop again", () -> spawns("crashy").size() == 8 && status("crashy").state() == ServiceState.CRASHLOOP);
    assertThat(status("crashy").restarts()).isEqualTo(7);
  }

  @Test
  @DisplayName("restart policy never: an exit is not followed by a restart (failed on non-zero, stopped on 0)")
  void never() throws Exception {
    Path fails = script("fails", "echo started; sleep 0.2; exit 1");
    Path done = script("done", "echo started; sleep 0.2; exit 0");
    supervisor("""
      services:
        fails: {command: [bash, "%s"], restart: never, readiness: {log: started}}
        done: {command: [bash, "%s"], restart: {policy: on-failure, backoff_initial_ms: 50}, readiness: {log: started}}
      """.formatted(fails, done));

    await(supervisor.startAll());
    waitForState("fails", ServiceState.FAILED);
    waitForState("done", ServiceState.STOPPED);

    Thread.sleep(500); // far beyond any backoff: still one process each
    assertThat(spawns("fails")).hasSize(1);
    assertThat(spawns("done")).hasSize(1);
    assertThat(status("fails").lastExitCode()).isEqualTo(1);
    assertThat(status("fails").lastError()).isEqualTo("exited with code 1 (restart policy never)");
    assertThat(status("fails").restarts()).isZero();
    assertThat(status("done").lastExitCode()).isZero();
    assertThat(status("done").lastError()).isNull();
  }

  @Test
  @DisplayName("a process's last output lines are in the tail before the supervisor notes its exit")
  void lastLinesBeforeExitNote() throws Exception {
    Path chatty = script("chatty", "for i in $(seq 1 800); do echo \"line $i\"; done; echo 'last words' >&2; exit 3");
    supervisor("""
      services:
        chatty: {command: [bash, "%s"], restart: never}
      """.formatted(chatty));

    await(supervisor.startAll());
    waitForState("chatty", ServiceState.FAILED);

    // stdout and stderr have a pump each, so their lines interleave in any order; both end before the note
    List<String> tail = supervisor.tail("chatty", 5000);
    assertThat(tail.get(tail.size() - 1)).endsWith("[supervisor] exited with code 3");
    assertThat(tail.subList(0, tail.size() - 1)).anyMatch(l -> l.endsWith("[out] line 800"))
      .anyMatch(l -> l.endsWith("[err] last words"));
  }

  @Test
  @DisplayName("restart(name) restarts exactly that instance: its pid changes, the others keep theirs")
  void restartOne() throws Exception {
    supervisor("""
      services:
        x: {command: [sleep, "1000"], instances: per_gpu}
        y: {command: [sleep, "1000"], depends_on: [x]}
      """, "EMP_GPUS", "2");
    await(supervisor.startAll());
    long x0 = status("x-gpu0").pid();
    long x1 = status("x-gpu1").pid();
    long y = status("y").pid();

    await(supervisor.restart("x-gpu0"));

    assertThat(status("x-gpu0").pid()).isNotNull().isNotEqualTo(x0);
    assertThat(status("x-gpu0").state()).isEqualTo(ServiceState.READY);
    assertThat(status("x-gpu0").restarts()).isEqualTo(1);
    assertThat(status("x-gpu0").lastExitCode()).isEqualTo(143); // SIGTERM
    assertThat(ProcessTree.gone(x0)).isTrue();
    assertThat(status("x-gpu1").pid()).isEqualTo(x1);
    assertThat(status("x-gpu1").restarts()).isZero();
    assertThat(status("y").pid()).isEqualTo(y);

    await(supervisor.restart("x")); // a service name: all its instances
    assertThat(status("x-gpu1").pid()).isNotEqualTo(x1);
    assertThat(status("y").pid()).isEqualTo(y);

    String unknown = failure(supervisor.restart("comfyui"));
    assertThat(unknown).isEqualTo("unknown service 'comfyui' (known: x-gpu0, x-gpu1, y, x)");
  }

  @Test
  @DisplayName("status carries pid, uptime and the process tree's memory; listeners see every state change")
  void statusAndListener() throws Exception {
    supervisor("""
      services:
        mem: {command: [bash, -c, "sleep 1000 & exec sleep 1000"], port_base: 9300}
      """);
    await(supervisor.startAll());
    waitUntil("a memory sample", () -> status("mem").memoryBytes() != null);
    ServiceStatus st = status("mem");
    assertThat(st.memoryBytes()).isPositive();
    assertThat(st.uptimeMs()).isPositive();
    assertThat(st.toJson().getString("state")).isEqualTo("ready");
    assertThat(st.toJson().getInteger("port")).isEqualTo(9300);
    assertThat(st.toJson().getLong("pid")).isEqualTo(st.pid());
    assertThat(st.state().pm2()).isEqualTo("online");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ProcessMetrics.bind(supervisor, registry);
    assertThat(registry.get("emp_supervisor_service_up").tag("process", "mem").gauge().value()).isEqualTo(1);
    assertThat(registry.get("emp_supervisor_service_memory_bytes").tag("service", "mem").gauge().value()).isPositive();
    assertThat(registry.get("emp_supervisor_service_restarts").tag("process", "mem").functionCounter().count()).isZero();
    await(supervisor.stop("mem"));
    assertThat(changes).extracting(c -> c.status().state()).containsSubsequence(
      ServiceState.STARTING, ServiceState.READY, ServiceState.STOPPING, ServiceState.STOPPED);
    assertThat(status("mem").uptimeMs()).isZero();
    assertThat(status("mem").memoryBytes()).isNull();
    assertThat(registry.get("emp_supervisor_service_up").tag("process", "mem").gauge().value()).isZero();
  }
}
