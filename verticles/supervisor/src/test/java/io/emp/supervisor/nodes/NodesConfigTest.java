package io.emp.supervisor.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodesConfigTest {

  @Test
  @DisplayName("a full node is read with every field; defaults: requirements on, others off")
  void fullNode() {
    List<NodeSpec> nodes = NodesConfig.parse("""
      {"nodes": [
        {"name": "emprops", "url": "https://github.com/x/emprops_comfy_nodes.git", "branch": "main",
         "commit": "14CFBA14aa", "recursive": true, "requirements": false, "optional": true,
         "env": {"AWS_KEY": "${AWS_KEY}", "MODE": "prod"}, "depends_on": ["Plain-Node"]},
        {"url": "https://github.com/x/Plain-Node"}
      ]}""");

    NodeSpec full = nodes.get(0);
    assertThat(full.commit()).isEqualTo("14cfba14aa");
    assertThat(full.recursive()).isTrue();
    assertThat(full.requirements()).isFalse();
    assertThat(full.optional()).isTrue();
    assertThat(full.env()).containsExactly(Map.entry("AWS_KEY", "${AWS_KEY}"), Map.entry("MODE", "prod"));
    assertThat(full.dependsOn()).containsExactly("Plain-Node");
    assertThat(nodes.get(1)).isEqualTo(NodeSpec.of("Plain-Node", "https://github.com/x/Plain-Node"));
  }

  @Test
  @DisplayName("a top-level array and the original custom_nodes key are read too")
  void shapes() {
    assertThat(NodesConfig.parse("[{\"url\": \"https://h/a/b.git\"}]")).extracting(NodeSpec::name).containsExactly("b");
    assertThat(NodesConfig.parse("{\"custom_nodes\": [{\"url\": \"https://h/a/c\"}]}"))
      .extracting(NodeSpec::name).containsExactly("c");
    assertThat(NodesConfig.parse("[]")).isEmpty();
  }

  @ParameterizedTest
  @DisplayName("the name is derived from the url's last segment without .git")
  @CsvSource({
    "https://github.com/ltdrdata/ComfyUI-Impact-Pack.git, ComfyUI-Impact-Pack",
    "https://github.com/ltdrdata/ComfyUI-Impact-Pack/, ComfyUI-Impact-Pack",
    "git@github.com:owner/comfyui-kokoro.git, comfyui-kokoro",
    "file:///srv/repos/local_node, local_node"})
  void derivedName(String url, String name) {
    assertThat(NodesConfig.nameFromUrl(url)).isEqualTo(name);
  }

  @Test
  @DisplayName("a leading 'git clone ' is stripped from the url")
  void gitClonePrefix() {
    NodeSpec node = NodesConfig.parse("[{\"url\": \"git clone https://github.com/ltdrdata/ComfyUI-Manager.git\"}]")
      .get(0);

    assertThat(node.url()).isEqualTo("https://github.com/ltdrdata/ComfyUI-Manager.git");
    assertThat(node.name()).isEqualTo("ComfyUI-Manager");
  }

  @Test
  @DisplayName("words after the url (a target directory, clone options) are refused with a hint")
  void trailingWordsRefused() {
    assertThatThrownBy(() -> NodesConfig.parse(
      "[{\"name\": \"m\", \"url\": \"git clone https://github.com/x/Manager.git custom_nodes/manager\"}]"))
      .isInstanceOf(NodeConfigException.class)
      .hasMessageContaining("node \"m\": field \"url\" has words after the repository URL (\"custom_nodes/manager\")");
    assertThatThrownBy(() -> NodesConfig.parse(
      "[{\"name\": \"m\", \"url\": \"git clone --recursive https://github.com/x/Manager.git\"}]"))
      .hasMessageContaining("node \"m\": field \"url\" holds a clone option (--recursive)")
      .hasMessageContaining("\"recursive\"");
  }

  @Test
  @DisplayName("every problem of the config is reported at once, each naming node and field")
  void allErrorsAtOnce() {
    assertThatThrownBy(() -> NodesConfig.parse("""
      [{"name": "no-url"},
       {"name": "bad-types", "url": "https://h/x", "recursive": "yes", "env": {"K": 3}, "depends_on": "a"},
       {"name": "bad-refs", "url": "https://h/y", "commit": "main", "branch": "-evil"},
       {"name": "../escape", "url": "https://h/z"},
       {"name": "typo", "url": "https://h/t", "requirement": true, "custom_script": "mv a b"},
       {"name": "bad-env", "url": "https://h/e", "env": {"A": "${UNCLOSED", "B": "${not valid}", "1X": "v"}},
       {"name": "dup", "url": "https://h/d1"}, {"name": "dup", "url": "https://h/d2"},
       "not an object"]"""))
      .isInstanceOfSatisfying(NodeConfigException.class, e -> assertThat(e.errors()).containsExactlyInAnyOrder(
        "node \"no-url\": field \"url\" is required",
        "node \"bad-types\": field \"recursive\" must be true or false, not a string",
        "node \"bad-types\": field \"env.K\" must be a string, not a number",
        "node \"bad-types\": field \"depends_on\" must be an array of node names, not a string",
        "node \"bad-refs\": field \"branch\" is not a valid branch name: \"-evil\"",
        "node \"bad-refs\": field \"commit\" must be a commit id of 7 to 64 hex digits, not \"main\"",
        "node \"../escape\": field \"name\" must be a directory name of letters, digits, '.', '_', '-'"
          + " (not starting with '.' or '-', at most 100 characters)",
        "node \"typo\": unknown field \"requirement\"",
        "node \"typo\": unknown field \"custom_script\" (shell scripts are not run by the installer;"
          + " do that step in the image build)",
        "node \"bad-env\": field \"env.A\": unterminated ${ at position 0",
        "node \"bad-env\": field \"env.B\": '${not valid}' is not ${NAME} or ${NAME:-default}",
        "node \"bad-env\": field \"env\" key \"1X\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)",
        "node \"dup\": field \"name\" is used by more than one node",
        "node #9: must be an object, not a string"));
  }

  @Test
  @DisplayName("depends_on naming an unknown node, the node itself, or forming a cycle is refused")
  void dependencyErrors() {
    assertThatThrownBy(() -> NodesConfig.parse("[{\"url\": \"https://h/a\", \"depends_on\": [\"ghost\"]}]"))
      .hasMessage("node \"a\": field \"depends_on\" names unknown node \"ghost\"");
    assertThatThrownBy(() -> NodesConfig.parse("[{\"url\": \"https://h/a\", \"depends_on\": [\"a\"]}]"))
      .hasMessage("node \"a\": field \"depends_on\" names the node itself");
    assertThatThrownBy(() -> NodesConfig.parse("""
      [{"url": "https://h/a", "depends_on": ["b"]}, {"url": "https://h/b", "depends_on": ["c"]},
       {"url": "https://h/c", "depends_on": ["a"]}, {"url": "https://h/d"}]"""))
      .hasMessage("node \"a\": field \"depends_on\" forms a cycle: a -> b -> c -> a");
  }

  @Test
  @DisplayName("bad JSON and wrong top-level shapes are refused with a clear message")
  void badJson() {
    assertThatThrownBy(() -> NodesConfig.parse("[{\"url\": \"https://h/a\",]"))
      .isInstanceOf(NodeConfigException.class)
      .hasMessageStartingWith("node config is not valid JSON: ");
    assertThatThrownBy(() -> NodesConfig.parse("{\"nodez\": []}"))
      .hasMessage("node config must be a JSON array of nodes or an object {\"nodes\": [...]}");
  }

  @Test
  @DisplayName("credentials in urls and environment values never reach the terminal or the manifest")
  void secretsRedacted() {
    assertThat(NodeSpec.of("n", "https://user:ghp_secret@github.com/x/n.git").redactedUrl())
      .isEqualTo("https://***@github.com/x/n.git");
    assertThat(NodeSpec.redact("git@github.com:x/n.git")).isEqualTo("git@github.com:x/n.git");
    assertThat(InstallOptions.fromEnv(Map.of("OPENAI_API_KEY", "sk-secret")).toString())
      .doesNotContain("sk-secret").contains("env=(1 variables)");
  }

  @Test
  @DisplayName("dependency order keeps config order where depends_on allows")
  void dependencyOrder() {
    List<NodeSpec> nodes = NodesConfig.parse("""
      [{"url": "https://h/a", "depends_on": ["c"]}, {"url": "https://h/b"}, {"url": "https://h/c"}]""");

    assertThat(DependencyOrder.order(nodes)).extracting(NodeSpec::name).containsExactly("b", "c", "a");
  }
}
