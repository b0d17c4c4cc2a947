package io.emp.supervisor.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InstallNodesCommandTest extends InstallerTestBase {

  @Test
  @DisplayName("a broken non-optional node fails the run (exit 1) and is named; the other nodes install")
  void brokenNodeFailsRun() throws IOException {
    Path config = writeConfig("""
      {"nodes": [
        {"name": "good-one", "url": "%s"},
        {"name": "Broken-Node", "url": "file:///nonexistent/Broken-Node.git"},
        {"name": "good-two", "url": "%s"}]}
      """.formatted(GitFixture.url(remotes.repo("g1", Map.of())), GitFixture.url(remotes.repo("g2", Map.of()))));

    int code = cli("install-nodes", config.toString());

    assertThat(code).isEqualTo(1);
    assertThat(output()).contains("[2/3] Broken-Node: FAILED: git clone failed")
      .contains("FAILED Broken-Node: ")
      .contains("install-nodes: FAILED: 1 required node(s) not installed: Broken-Node");
    assertThat(node("good-one")).isDirectory();
    assertThat(node("good-two")).isDirectory();
    assertThat(node("Broken-Node")).doesNotExist();
  }

  @Test
  @DisplayName("every failed required node is named in the final line")
  void everyFailureNamed() throws IOException {
    Path config = writeConfig("""
      [{"url": "file:///nonexistent/first.git"}, {"url": "file:///nonexistent/second.git"}]""");

    assertThat(cli(config.toString())).isEqualTo(1);
    assertThat(output()).contains("2 required node(s) not installed: first, second");
  }

  @Test
  @DisplayName("an optional broken node is reported but the run succeeds")
  void optionalBrokenNode() throws IOException {
    Path config = writeConfig("""
      [{"name": "nice-to-have", "url": "file:///nonexistent/x.git", "optional": true},
       {"name": "needed", "url": "%s"}]""".formatted(GitFixture.url(remotes.repo("n", Map.of()))));

    assertThat(cli(config.toString())).isZero();
    assertThat(output()).contains("failed (optional, ignored) nice-to-have: ")
      .contains("1 installed, 0 updated, 0 unchanged, 1 failed");
  }

  @Test
  @DisplayName("config errors exit 2, list every problem and install nothing")
  void configErrorsExit2() throws IOException {
    Path config = writeConfig("""
      [{"name": "a", "depends_on": ["ghost"]}, {"name": "b", "url": "https://h/b", "depends_on": ["b"]}]""");

    assertThat(cli(config.toString())).isEqualTo(2);
    assertThat(output()).contains("invalid node config (nothing was installed)")
      .contains("node \"a\": field \"url\" is required")
      .contains("node \"b\": field \"depends_on\" names the node itself");
    assertThat(comfy).doesNotExist();
  }

  @Test
  @DisplayName("bad JSON, a cycle, a missing file and bad options exit 2 with a clear message")
  void otherExit2Cases() throws IOException {
    assertThat(cli(writeConfig("{\"nodes\": [").toString())).isEqualTo(2);
    assertThat(output()).contains("node config is not valid JSON");

    Path cycle = writeConfig("""
      [{"url": "https://h/a", "depends_on": ["b"]}, {"url": "https://h/b", "depends_on": ["a"]}]""");
    assertThat(cli(cycle.toString())).isEqualTo(2);
    assertThat(output()).contains("node \"a\": field \"depends_on\" forms a cycle: a -> b -> a");

    assertThat(cli(tmp.resolve("missing.json").toString())).isEqualTo(2);
    assertThat(output()).contains("cannot read node config");

    assertThat(cli(cycle.toString(), "--parallel", "zero")).isEqualTo(2);
    assertThat(output()).contains("--parallel needs a number");
    assertThat(cli(cycle.toString(), "--frobnicate")).isEqualTo(2);
    assertThat(output()).contains("unknown option --frobnicate").contains("usage:");
    assertThat(cli()).isEqualTo(2);
    assertThat(output()).contains("the config file is missing");
    env.put("EMP_NODES_PARALLEL", "0");
    assertThat(cli(cycle.toString())).isEqualTo(2);
    assertThat(output()).contains("EMP_NODES_PARALLEL");
  }

  @Test
  @DisplayName("options override the environment; --pip is split into words without a shell")
  void optionsAndDefaults() {
    InstallNodesCommand.Args args = InstallNodesCommand.parse(List.of("install-nodes", "nodes.json",
      "--comfyui-dir", "/srv/comfy", "--parallel=3", "--pip", "uv pip --python '/opt/my venv/bin/python'",
      "--dry-run", "--skip-env"));
    InstallOptions o = InstallNodesCommand.options(args, Map.of("EMP_COMFYUI_DIR", "/ignored", "EMP_NODES_PARALLEL", "9"));

    assertThat(o.customNodesDir()).isEqualTo(Path.of("/srv/comfy/custom_nodes"));
    assertThat(o.parallel()).isEqualTo(3);
    assertThat(o.pip()).containsExactly("uv", "pip", "--python", "/opt/my venv/bin/python");
    assertThat(o.dryRun()).isTrue();
    assertThat(o.skipEnv()).isTrue();

    InstallOptions defaults = InstallNodesCommand.options(InstallNodesCommand.parse(List.of("n.json")), Map.of());
    assertThat(defaults.comfyuiDir()).isEqualTo(Path.of("/opt/ComfyUI"));
    assertThat(defaults.parallel()).isEqualTo(5);
    assertThat(defaults.pip()).containsExactly("python3", "-m", "pip");
    assertThat(defaults.gitTimeout().toSeconds()).isEqualTo(600);
  }

  @Test
  @DisplayName("the CLI installs from a config with the 'git clone ' prefix and is a no-op the second time")
  void cliEndToEnd() throws IOException {
    Path config = writeConfig("""
      [{"url": "git clone %s", "env": {"HOME_DIR": "${HOME_DIR:-/home/comfy}"}}]"""
      .formatted(GitFixture.url(remoteWithRequirements("Prefixed-Node"))));

    assertThat(cli(config.toString(), "--parallel", "2")).isZero();
    assertThat(node("Prefixed-Node").resolve(".env")).content().contains("HOME_DIR=\"/home/comfy\"");
    assertThat(cli(config.toString())).isZero();

    assertThat(output()).contains("0 installed, 0 updated, 1 unchanged, 0 failed");
    assertThat(tools.gitCalls("clone")).hasSize(1);
    assertThat(tools.pipCalls()).hasSize(1);
  }
}
