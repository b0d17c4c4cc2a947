package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SupervisorStopTest extends SupervisorTestBase {

  @Test
  @DisplayName("stop sends SIGTERM: a process that traps it and exits cleanly is not SIGKILLed")
  void gracefulStop() throws Exception {
    Path graceful = script("graceful", """
      trap 'echo "got TERM"; echo clean > "$INSTANCE_DIR/stopped"; exit 0' TERM
      echo up
      while true; do sleep 0.1; done""");
    supervisor("""
      services:
        graceful: {command: [bash, "%s"], readiness: {log: "^up$"}, stop: {grace_ms: 10000}}
      """.formatted(graceful));
    await(supervisor.startAll());

    await(supervisor.stop("graceful"));

    ServiceStatus st = status("graceful");
    assertThat(st.state()).isEqualTo(ServiceState.STOPPED);
    assertThat(st.lastExitCode()).isZero(); // 137 had it been SIGKILLed
    assertThat(st.lastError()).isNull();
    assertThat(Files.readString(tmp.resolve("run/graceful/stopped")).trim()).isEqualTo("clean");
    waitForLine("graceful", "[out] got TERM");
    assertThat(supervisor.tail("graceful", 100)).noneMatch(l -> l.contains("killed"));
  }

  @Test
  @DisplayName("a process that ignores SIGTERM is killed after the grace, together with its grandchild")
  void killAfterGrace() throws Exception {
    Path stubborn = script("stubborn", """
      trap '' TERM
      sleep 1000 &
      echo "grandchild $!"
      while true; do sleep 0.1; done""");
    supervisor("""
      services:
        stubborn: {command: [bash, "%s"], readiness: {log: grandchild}, stop: {grace_ms: 500}}
      """.formatted(stubborn));
    await(supervisor.startAll());
    long pid = status("stubborn").pid();
    long grandchild = Long.parseLong(line("stubborn", "grandchild ").split(" ")[1]);
    assertThat(ProcessHandle.of(grandchild).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(pid);

    await(supervisor.stop("stubborn"));

    ServiceStatus st = status("stubborn");
    assertThat(st.state()).isEqualTo(ServiceState.STOPPED);
    assertThat(st.lastExitCode()).isEqualTo(137); // SIGKILL
    assertThat(st.lastError()).isEqualTo("did not exit within 500 ms of SIGTERM; killed the process tree");
    assertThat(ProcessTree.gone(pid)).isTrue();
    assertThat(ProcessTree.gone(grandchild)).as("grandchild %d", grandchild).isTrue();
    long stoppingAt = changes("stubborn", ServiceState.STOPPING).get(0).atMs();
    long stoppedAt = changes("stubborn", ServiceState.STOPPED).get(0).atMs();
    assertThat(stoppedAt - stoppingAt).as("waited for the grace").isGreaterThanOrEqualTo(500);
  }

  @Test
  @DisplayName("when the process exits on SIGTERM, the children it left behind are stopped too")
  void leftoverChildren() throws Exception {
    Path parent = script("parent", """
      trap 'exit 0' TERM
      bash -c 'trap "" TERM; exec sleep 1000' &
      echo "child $!"
      while true; do sleep 0.1; done""");
    supervisor("""
      services:
        parent: {command: [bash, "%s"], readiness: {log: "child "}, stop: {grace_ms: 500}}
      """.formatted(parent));
    await(supervisor.startAll());
    long child = Long.parseLong(line("parent", "child ").split(" ")[1]);

    await(supervisor.stop("parent"));

    assertThat(status("parent").lastExitCode()).isZero();
    assertThat(ProcessTree.gone(child)).as("orphaned child %d", child).isTrue();
  }

  @Test
  @DisplayName("stop during a backoff cancels the restart; a stopped service stays stopped")
  void stopDuringBackoff() throws Exception {
    supervisor("""
      services:
        flaky: {command: [bash, -c, "exit 2"], restart: {backoff_initial_ms: 300}}
      """);
    await(supervisor.startAll());
    waitForState("flaky", ServiceState.BACKOFF);

    await(supervisor.stop("flaky"));

    assertThat(status("flaky").state()).isEqualTo(ServiceState.STOPPED);
    Thread.sleep(600); // past the cancelled restart
    assertThat(spawns("flaky")).hasSize(1);
    assertThat(status("flaky").state()).isEqualTo(ServiceState.STOPPED);
  }
}
