package io.emp.supervisor.nodes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh ComfyUI directory, remotes, fake pip and logging git wrapper per test. */
abstract class InstallerTestBase {
  @TempDir
  Path tmp;
  Path comfy;
  Path customNodes;
  GitFixture remotes;
  ToolFakes tools;
  final Map<String, String> env = new HashMap<>();
  final ByteArrayOutputStream output = new ByteArrayOutputStream();

  @BeforeEach
  void setUpDirs() throws IOException {
    comfy = tmp.resolve("ComfyUI");
    customNodes = comfy.resolve("custom_nodes");
    remotes = new GitFixture(Files.createDirectories(tmp.resolve("remotes")));
    tools = new ToolFakes(tmp.resolve("tools"));
  }

  InstallOptions options() {
    return InstallOptions.fromEnv(Map.of())
      .withComfyuiDir(comfy)
      .withParallel(4)
      .withPip(List.of(tools.pip.toString()))
      .withGit(List.of(tools.git.toString()))
      .withEnv(env);
  }

  InstallResult install(NodeSpec... nodes) throws IOException {
    return install(options(), nodes);
  }

  InstallResult install(InstallOptions options, NodeSpec... nodes) throws IOException {
    output.reset();
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      return new NodeInstaller(options, out).install(List.of(nodes));
    }
  }

  /** Runs the CLI with the test's tools and directory as environment defaults. @return exit code */
  int cli(String... args) {
    Map<String, String> cliEnv = new HashMap<>(env);
    cliEnv.put("EMP_COMFYUI_DIR", comfy.toString());
    cliEnv.put("EMP_PIP", tools.pip.toString());
    cliEnv.put("EMP_NODES_GIT", tools.git.toString());
    output.reset();
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      return InstallNodesCommand.run(List.of(args), cliEnv, out, out);
    }
  }

  String output() {
    return output.toString(StandardCharsets.UTF_8);
  }

  Path writeConfig(String json) throws IOException {
    return Files.writeString(tmp.resolve("nodes.json"), json);
  }

  Path node(String name) {
    return customNodes.resolve(name);
  }

  String headOf(String name) throws IOException {
    return GitFixture.git(node(name), "rev-parse", "HEAD").strip();
  }

  /** A remote whose repository holds a requirements.txt. */
  Path remoteWithRequirements(String name) throws IOException {
    return remotes.repo(name, Map.of("__init__.py", "", "requirements.txt", name + "-dep==1.0\n"));
  }
}
