package io.emp.supervisor.nodes;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Installs ComfyUI custom nodes: clones or updates every node ({@code options.parallel()} at a time,
 * each after the nodes it {@code depends_on}), runs pip one at a time, writes {@code .env} files and
 * the manifest. Blocking: call it from the CLI or a worker thread, never from an event loop.
 *
 * <p>Used by {@code emp-supervisor install-nodes} ({@link InstallNodesCommand}) and by the
 * supervisor's bootstrap. Guarantees: a node that fails never leaves a directory that passes for
 * installed; every other node is still attempted (except those depending on it); a second run with
 * the same config clones nothing and runs no pip.
 */
public final class NodeInstaller {
  private final InstallOptions options;
  private final PrintStream out;

  public NodeInstaller(InstallOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /**
   * @param nodes the nodes in config order (from {@link NodesConfig}, or built in code)
   * @return one result per node, in the same order
   * @throws NodeConfigException when the specs are invalid (nothing was done)
   * @throws IOException when the custom_nodes directory cannot be created or locked
   */
  public InstallResult install(List<NodeSpec> nodes) throws IOException {
    List<String> errors = NodeValidation.check(nodes);
    if (!errors.isEmpty()) {
      throw new NodeConfigException(errors);
    }
    Progress progress = new Progress(out, nodes.size());
    Git git = new Git(options.git(), options.gitTimeout(), options.env());
    Checkout checkout = new Checkout(git, options.customNodesDir());
    PipRunner pip = new PipRunner(options.pip(), options.pipTimeout());
    if (options.dryRun()) {
      DryRun dry = new DryRun(git, new NodeJob.Run(options, checkout, pip, null, progress));
      List<NodeResult> planned = DependencyOrder.order(nodes).stream()
        .map(n -> dry.plan(n, nodes.indexOf(n) + 1))
        .toList();
      return report(new InstallResult(inConfigOrder(nodes, planned)), progress);
    }
    Files.createDirectories(options.customNodesDir());
    try (InstallLock lock = InstallLock.acquire(options.customNodesDir(), progress)) {
      Manifest manifest = Manifest.load(options.customNodesDir());
      manifest.problem().ifPresent(p -> progress.line("warning: " + p));
      return report(installLocked(nodes, new NodeJob.Run(options, checkout, pip, manifest, progress)), progress);
    }
  }

  private InstallResult installLocked(List<NodeSpec> nodes, NodeJob.Run run) throws IOException {
    run.checkout().removeLeftovers();
    try {
      List<NodeResult> results = runAll(nodes, run);
      run.manifest().dropMissing(options.customNodesDir());
      run.manifest().save();
      return new InstallResult(results);
    } finally {
      run.checkout().removeLeftovers();
    }
  }

  /**
   * Writes the {@code .env} files of nodes that are already installed (the runtime half of an image
   * built with {@code --skip-env}): no git, no pip, no network. Nodes without {@code env} are left out.
   *
   * @throws NodeConfigException when the specs are invalid
   * @throws IOException when the custom_nodes directory cannot be locked
   */
  public InstallResult writeEnvFiles(List<NodeSpec> nodes) throws IOException {
    List<String> errors = NodeValidation.check(nodes);
    if (!errors.isEmpty()) {
      throw new NodeConfigException(errors);
    }
    List<NodeSpec> withEnv = nodes.stream().filter(n -> !n.env().isEmpty()).toList();
    Progress progress = new Progress(out, withEnv.size());
    Files.createDirectories(options.customNodesDir());
    try (InstallLock lock = InstallLock.acquire(options.customNodesDir(), progress)) {
      NodeJob.Run run = new NodeJob.Run(options, null, null, null, progress);
      List<NodeResult> results = withEnv.stream()
        .map(n -> new NodeJob(n, withEnv.indexOf(n) + 1, run).writeEnvOnly())
        .toList();
      return report(new InstallResult(results), progress);
    }
  }

  private List<NodeResult> runAll(List<NodeSpec> nodes, NodeJob.Run run) {
    ExecutorService workers = Executors.newFixedThreadPool(options.parallel(), threads("emp-nodes-"));
    ExecutorService pipThread = Executors.newSingleThreadExecutor(threads("emp-nodes-pip-"));
    try {
      Map<String, CompletableFuture<NodeResult>> futures = new HashMap<>();
      for (NodeSpec spec : DependencyOrder.order(nodes)) {
        NodeJob job = new NodeJob(spec, nodes.indexOf(spec) + 1, run);
        List<CompletableFuture<NodeResult>> deps = spec.dependsOn().stream().map(futures::get).toList();
        futures.put(spec.name(), CompletableFuture.allOf(deps.toArray(new CompletableFuture<?>[0]))
          .thenComposeAsync(v -> start(job, deps, pipThread), workers)
          .exceptionally(job::crashed));
      }
      CompletableFuture.allOf(futures.values().toArray(new CompletableFuture<?>[0])).join();
      return nodes.stream().map(n -> futures.get(n.name()).join()).toList();
    } finally {
      workers.shutdownNow();
      pipThread.shutdownNow();
    }
  }

  /** Runs on a worker thread once every dependency is done; pip goes to the single pip thread. */
  private static CompletableFuture<NodeResult> start(NodeJob job, List<CompletableFuture<NodeResult>> deps,
    Executor pipThread) {
    Optional<NodeResult> failedDep = deps.stream()
      .map(CompletableFuture::join)
      .filter(r -> !r.succeeded())
      .findFirst();
    if (failedDep.isPresent()) {
      return CompletableFuture.completedFuture(job.skipped(failedDep.get().name()));
    }
    job.sync();
    if (!job.wantsPip()) {
      return CompletableFuture.completedFuture(job.finish());
    }
    return CompletableFuture.runAsync(job::installRequirements, pipThread)
      .thenApply(v -> job.finish());
  }

  private static List<NodeResult> inConfigOrder(List<NodeSpec> nodes, List<NodeResult> results) {
    Map<String, NodeResult> byName = new HashMap<>();
    results.forEach(r -> byName.put(r.name(), r));
    return nodes.stream().map(n -> byName.get(n.name())).toList();
  }

  private static InstallResult report(InstallResult result, Progress progress) {
    progress.line(String.format("install-nodes: %d nodes: %d installed, %d updated, %d unchanged, %d failed,"
        + " %d skipped%s", result.nodes().size(), result.count(NodeResult.Status.INSTALLED),
      result.count(NodeResult.Status.UPDATED), result.count(NodeResult.Status.UNCHANGED),
      result.count(NodeResult.Status.FAILED), result.count(NodeResult.Status.SKIPPED),
      result.count(NodeResult.Status.PLANNED) > 0 ? " (dry run: nothing changed)" : ""));
    result.failedRequired().forEach(r -> progress.line("  FAILED " + r.name() + ": " + r.reason()));
    result.failedOptional().forEach(r -> progress.line("  failed (optional, ignored) " + r.name() + ": " + r.reason()));
    return result;
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
