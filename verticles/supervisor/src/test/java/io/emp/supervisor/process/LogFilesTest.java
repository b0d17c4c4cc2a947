package io.emp.supervisor.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFilesTest {
  @TempDir
  Path dir;

  /** Runs {@code bash -c script} with its output attached to {@code logs} as {@code instance}; waits for the end. */
  private static void run(LogFiles logs, String instance, String script) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", script).start();
    for (Thread t : logs.attach(instance, p, null)) {
      t.join(20_000);
    }
    assertThat(p.waitFor()).isZero();
  }

  @Test
  @DisplayName("output rotates at the size limit keeping N files, and the tail keeps the last lines of both streams")
  void rotationAndTail() throws Exception {
    try (LogFiles logs = new LogFiles(dir, 2_000, 3, 10)) {
      run(logs, "x", "for i in $(seq 1 400); do echo \"line $i\"; done");
      Path out = LogFiles.file(dir, "x", "out");
      assertThat(out).exists();
      assertThat(Path.of(out + ".1")).exists();
      assertThat(Path.of(out + ".2")).exists();
      assertThat(Path.of(out + ".3")).doesNotExist();
      for (Path f : List.of(out, Path.of(out + ".1"), Path.of(out + ".2"))) {
        assertThat(Files.size(f)).isLessThanOrEqualTo(2_000);
      }
      assertThat(Files.readAllLines(out)).last().asString().endsWith(" line 400").matches("^\\d{4}-\\d\\d-\\d\\dT.*Z line 400$");
      assertThat(logs.tail("x", 2)).satisfiesExactly(
        l -> assertThat(l).matches("^\\d{4}-.*Z \\[out\\] line 399$"),
        l -> assertThat(l).endsWith(" [out] line 400"));
      run(logs, "x", "echo oops >&2");
      assertThat(Files.readAllLines(LogFiles.file(dir, "x", "err"))).singleElement().asString().endsWith(" oops");
      assertThat(logs.tail("x", 2)).last().asString().endsWith(" [err] oops");
      assertThat(logs.tail("x", 100)).hasSize(10);
      assertThat(logs.tail("unknown", 5)).isEmpty();
      List<String> last = LogReader.lastLines(out, 150);
      assertThat(last).hasSize(150);
      assertThat(last.get(149)).endsWith(" line 400");
      assertThat(last.get(0)).endsWith(" line 251"); // reaches back into x-out.log.1
    }
  }

  @Test
  @DisplayName("lines end at LF, CR or CRLF; an unterminated last line is kept; over-long lines are split")
  void lineSplitting() throws Exception {
    try (LogFiles logs = new LogFiles(dir, 1 << 20, 2, 100)) {
      run(logs, "y", "printf 'a\\r\\nb\\rc\\n'; head -c 20000 /dev/zero | tr '\\0' z; printf '\\nend'");
      assertThat(logs.tail("y", 100)).extracting(l -> l.substring(l.indexOf("[out] ") + 6))
        .containsExactly("a", "b", "c", "z".repeat(LinePump.MAX_LINE), "z".repeat(20_000 - LinePump.MAX_LINE), "end");
    }
  }

  @Test
  @DisplayName("a follower keeps reading across rotation without losing or repeating lines")
  void followAcrossRotation() throws Exception {
    try (LogFiles logs = new LogFiles(dir, 800, 5, 10)) { // each batch below rotates the file once
      Path out = LogFiles.file(dir, "z", "out");
      run(logs, "z", "echo first");
      List<String> seen = new ArrayList<>();
      try (LogReader.Follower f = new LogReader.Follower(out)) {
        assertThat(f.poll()).isEmpty();
        run(logs, "z", "for i in $(seq 1 30); do echo \"n $i\"; done");
        seen.addAll(f.poll()); // x.log was rotated during the writes: the rest of the old file, then the new one
        run(logs, "z", "for i in $(seq 31 60); do echo \"n $i\"; done");
        seen.addAll(f.poll());
      }
      assertThat(Path.of(out + ".2")).exists();
      assertThat(seen).extracting(l -> l.substring(l.indexOf(' ') + 1))
        .containsExactlyElementsOf(IntStream.rangeClosed(1, 60).mapToObj(i -> "n " + i).toList());
    }
  }

  @Test
  @DisplayName("logs CLI: last N lines of an instance or of all a service's instances, -f follows, unknown names refused")
  void logsCommand() throws Exception {
    try (LogFiles logs = new LogFiles(dir, 1 << 20, 2, 10)) {
      // files as LogFiles writes them, with set times: the CLI merges streams and instances by time
      write("comfyui-gpu0-out.log", "2025-01-01T00:00:01.000Z zero out");
      write("comfyui-gpu0-err.log", "2025-01-01T00:00:02.000Z zero err");
      write("comfyui-gpu1-out.log", "2025-01-01T00:00:03.000Z one out");
      write("comfyui-gpu10-out.log", "2025-01-01T00:00:00.500Z ten out");
      run(logs, "simulation", "echo sim");

      Cli c = cli("comfyui-gpu0", "-n", "5");
      assertThat(c.code).isZero();
      assertThat(c.lines()).hasSize(2);
      assertThat(c.lines().get(0)).startsWith("comfyui-gpu0/out | ").endsWith(" zero out");
      assertThat(c.lines().get(1)).startsWith("comfyui-gpu0/err | ").endsWith(" zero err");

      Cli service = cli("comfyui", "-n", "3");
      assertThat(service.lines()).containsExactly("comfyui-gpu0/out | 2025-01-01T00:00:01.000Z zero out",
        "comfyui-gpu0/err | 2025-01-01T00:00:02.000Z zero err", "comfyui-gpu1/out | 2025-01-01T00:00:03.000Z one out");

      Cli unknown = cli("comfy");
      assertThat(unknown.code).isEqualTo(1);
      assertThat(unknown.text).contains("no log files for 'comfy'", "known: comfyui-gpu0, comfyui-gpu1, comfyui-gpu10, simulation");
      assertThat(cli("../etc/passwd").code).isEqualTo(2);
      assertThat(cli("simulation", "-n", "many").code).isEqualTo(2);
      assertThat(cli("simulation", "--bogus").code).isEqualTo(2);
      assertThat(cli().code).isEqualTo(2);

      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
      AtomicInteger code = new AtomicInteger(-1);
      Thread follower = new Thread(() -> code.set(LogCli.run(dir, List.of("simulation", "-f", "-n", "1"), ps)));
      follower.start();
      waitFor(() -> buf.toString(StandardCharsets.UTF_8).contains(" sim"));
      run(logs, "simulation", "echo later");
      waitFor(() -> buf.toString(StandardCharsets.UTF_8).contains("simulation/out | ") && buf.toString(StandardCharsets.UTF_8).contains(" later"));
      follower.interrupt();
      follower.join(5_000);
      assertThat(code.get()).isZero();
      assertThat(buf.toString(StandardCharsets.UTF_8).lines().filter(l -> l.endsWith(" sim")).count()).isEqualTo(1);
    }
  }

  private void write(String file, String line) throws IOException {
    Files.writeString(dir.resolve(file), line + "\n");
  }

  private record Cli(int code, String text) {
    List<String> lines() {
      return text.lines().toList();
    }
  }

  private Cli cli(String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code = LogCli.run(dir, List.of(args), new PrintStream(buf, true, StandardCharsets.UTF_8));
    return new Cli(code, buf.toString(StandardCharsets.UTF_8));
  }

  private static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
