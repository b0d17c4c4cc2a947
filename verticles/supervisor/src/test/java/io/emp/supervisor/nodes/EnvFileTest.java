package io.emp.supervisor.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EnvFileTest extends InstallerTestBase {

  @Test
  @DisplayName("${VAR}, ${VAR:-default} and literal text are substituted; unset or empty counts as missing")
  void substitution() throws Exception {
    Map<String, String> vars = Map.of("TOKEN", "t0k", "EMPTY", "");

    assertThat(EnvTemplate.expand("${TOKEN}", vars)).isEqualTo("t0k");
    assertThat(EnvTemplate.expand("Bearer ${TOKEN}!", vars)).isEqualTo("Bearer t0k!");
    assertThat(EnvTemplate.expand("${UNSET:-fallback value}", vars)).isEqualTo("fallback value");
    assertThat(EnvTemplate.expand("${EMPTY:-used}", vars)).isEqualTo("used");
    assertThat(EnvTemplate.expand("${UNSET:-}", vars)).isEmpty();
    assertThat(EnvTemplate.expand("TOKEN", vars)).as("literal text is not a variable name").isEqualTo("TOKEN");
    assertThat(EnvTemplate.expand("cost $5 or $TOKEN", vars)).isEqualTo("cost $5 or $TOKEN");
    assertThatThrownBy(() -> EnvTemplate.expand("${EMPTY}", vars))
      .isInstanceOfSatisfying(EnvTemplate.MissingVariable.class, e -> assertThat(e.variable).isEqualTo("EMPTY"));
  }

  @Test
  @DisplayName(".env is written with variables substituted and spaces, #, quotes and newlines escaped")
  void envWrittenAndEscaped() throws IOException {
    env.put("API_KEY", "sk-123 \"quoted\" # not a comment");
    env.put("MULTI", "line one\nline two");
    Map<String, String> templates = new LinkedHashMap<>();
    templates.put("API_KEY", "${API_KEY}");
    templates.put("MULTI", "${MULTI}");
    templates.put("REGION", "${AWS_REGION:-us east 1}");
    templates.put("LITERAL", "C:\\path with 'single' quotes");
    templates.put("TRAILING", "ends\\");

    InstallResult result = install(NodeSpec.of("with-env", GitFixture.url(remotes.repo("e", Map.of())))
      .withEnv(templates));

    assertThat(result.ok()).isTrue();
    Path file = node("with-env").resolve(".env");
    assertThat(Files.readString(file)).endsWith("""
      API_KEY="sk-123 \\"quoted\\" # not a comment"
      MULTI="line one\\nline two"
      REGION="us east 1"
      LITERAL="C:\\\\path with 'single' quotes"
      TRAILING=ends\\
      """);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(readWithPythonDotenv(file)).containsExactly(
      Map.entry("API_KEY", "sk-123 \"quoted\" # not a comment"), Map.entry("MULTI", "line one\nline two"),
      Map.entry("REGION", "us east 1"), Map.entry("LITERAL", "C:\\path with 'single' quotes"),
      Map.entry("TRAILING", "ends\\"));
  }

  @Test
  @DisplayName("a missing variable fails that node, naming node and variable, before anything is cloned")
  void missingVariable() throws IOException {
    InstallResult result = install(
      NodeSpec.of("needs-secret", GitFixture.url(remotes.repo("s", Map.of())))
        .withEnv(Map.of("OPENAI_API_KEY", "${OPENAI_API_KEY}")),
      NodeSpec.of("other", GitFixture.url(remotes.repo("o", Map.of()))));

    assertThat(result.failedRequired()).extracting(NodeResult::name).containsExactly("needs-secret");
    assertThat(result.nodes().get(0).reason()).contains("env.OPENAI_API_KEY: variable OPENAI_API_KEY is not set");
    assertThat(output()).contains("needs-secret: FAILED: env.OPENAI_API_KEY: variable OPENAI_API_KEY is not set");
    assertThat(node("needs-secret")).doesNotExist();
    assertThat(node("other")).isDirectory();
  }

  @Test
  @DisplayName("--skip-env installs without writing .env and without needing the variables")
  void skipEnv() throws IOException {
    InstallResult result = install(options().withSkipEnv(true),
      NodeSpec.of("secretive", GitFixture.url(remotes.repo("s", Map.of()))).withEnv(Map.of("K", "${NOT_SET}")));

    assertThat(result.ok()).isTrue();
    assertThat(node("secretive").resolve(".env")).doesNotExist();
  }

  @Test
  @DisplayName("build with --skip-env, then --env-only at machine start writes .env without git or pip")
  void skipEnvThenEnvOnly() throws IOException {
    Path config = writeConfig("""
      [{"name": "secretive", "url": "%s", "env": {"TOKEN": "${TOKEN}"}},
       {"name": "plain", "url": "%s"}]""".formatted(GitFixture.url(remoteWithRequirements("s")),
      GitFixture.url(remotes.repo("p", Map.of()))));
    assertThat(cli(config.toString(), "--skip-env")).isZero();
    int gitCalls = tools.gitCalls().size();
    env.put("TOKEN", "runtime secret");

    assertThat(cli(config.toString(), "--env-only")).isZero();

    assertThat(node("secretive").resolve(".env")).content().contains("TOKEN=\"runtime secret\"");
    assertThat(tools.gitCalls()).hasSize(gitCalls);
    assertThat(tools.pipCalls()).hasSize(1);
    assertThat(output()).contains("[1/1] secretive: ok (.env written)");

    Checkout.delete(node("secretive"));
    assertThat(cli(config.toString(), "--env-only")).isEqualTo(1);
    assertThat(output()).contains("secretive: FAILED: not installed");
  }

  @Test
  @DisplayName("a value ending in a backslash that python-dotenv cannot read back is refused")
  void unreadableValue() {
    assertThatThrownBy(() -> EnvFile.render(Map.of("K", "two\nlines\\")))
      .hasMessageContaining("K ends with a backslash");
  }

  /** The loader ComfyUI nodes use; the check is skipped on machines without python-dotenv. */
  private static Map<String, String> readWithPythonDotenv(Path file) throws IOException {
    String script = "import json,sys\nfrom dotenv import dotenv_values\n"
      + "print(json.dumps(dotenv_values(sys.argv[1], interpolate=False)))";
    Process p;
    try {
      p = new ProcessBuilder(List.of("python3", "-c", script, file.toString())).start();
    } catch (IOException e) {
      assumeThat(false).as("python3 is not installed").isTrue();
      return Map.of();
    }
    String out = new String(p.getInputStream().readAllBytes());
    try {
      p.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assumeThat(p.exitValue()).as("python-dotenv is not installed").isZero();
    Map<String, String> values = new LinkedHashMap<>();
    new io.vertx.core.json.JsonObject(out).forEach(e -> values.put(e.getKey(), (String) e.getValue()));
    return values;
  }
}
