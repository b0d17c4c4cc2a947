package io.emp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.emp.testkit.RedisExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fat jar as users run it ({@code java -jar emp-cli.jar}), after {@code package}: the shaded
 * dependencies load, the environment is read, output and exit codes reach the shell.
 */
@ExtendWith(RedisExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliJarIT {
  private static CliFixture broker;

  @BeforeAll
  static void start() {
    broker = new CliFixture().controlPlane();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private record Run(int exit, String out, String err) {
  }

  private static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("emp.cli.jar", "target/emp-cli.jar"));
    assertThat(jar).exists();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("EMP_API_URL");
    pb.environment().remove("EMP_API_TOKEN");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("emp-cli-out", ".txt");
    Path err = Files.createTempFile("emp-cli-err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("emp exits").isTrue();
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("java -jar emp-cli.jar submits and reads jobs with EMP_API_URL/EMP_API_TOKEN, and exits with the documented codes")
  void jar() throws Exception {
    Map<String, String> env = Map.of("EMP_API_URL", broker.url(), "EMP_API_TOKEN", CliFixture.TOKEN);
    Run submit = run(env, "submit", "jar-svc", "--payload", "{\"n\":1}", "--json");
    assertThat(submit.exit()).as(submit.err()).isZero();
    String id = CliFixture.JSON.readTree(submit.out()).path("id").asText();

    Run status = run(env, "status", "--json");
    assertThat(status.exit()).as(status.err()).isZero();
    JsonNode stats = CliFixture.JSON.readTree(status.out()).path("stats");
    assertThat(stats.path("services").path("jar-svc").path("depth").asInt()).isEqualTo(1);

    Run cancel = run(env, "cancel", id);
    assertThat(cancel.exit()).isZero();
    assertThat(cancel.out().strip()).isEqualTo(id + "  cancelled");
    assertThat(run(env, "job", id, "--follow").exit()).as("a cancelled job").isEqualTo(2);

    assertThat(run(Map.of("EMP_API_URL", broker.url(), "EMP_API_TOKEN", "wrong"), "status").exit()).isEqualTo(4);
    Run unreachable = run(Map.of("EMP_API_URL", "http://127.0.0.1:" + CliFixture.freePort()), "status");
    assertThat(unreachable.exit()).isEqualTo(3);
    assertThat(unreachable.err()).contains("cannot reach the api");
    Run usage = run(env, "submit");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err()).contains("Usage: emp submit");
  }
}
