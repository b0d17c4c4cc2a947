package io.emp.core.launch;

import io.emp.core.LogSafe;
import io.emp.core.cluster.ClusterSettings;
import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.core.metrics.Metrics;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-line {@code main} of every role: reads the environment, builds Vert.x with metrics,
 * deploys the role's verticles and exits non-zero with the reason when they cannot start. SIGTERM
 * closes Vert.x, which stops the verticles (a worker drains and releases its jobs) within
 * {@code EMP_SHUTDOWN_TIMEOUT_MS}.
 *
 * <p>We use this instead of Vert.x's tech-preview {@code VertxApplication} because roles are
 * configured from {@code EMP_*} variables into records, the standalone jar deploys several roles in
 * one JVM, and shutdown needs an explicit deadline.
 */
public final class EmpLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(EmpLauncher.class);

  private EmpLauncher() {
  }

  /** Deploys the verticles built from the environment; blocks only the main thread. */
  public static Vertx launch(String role, Function<EnvConfig, List<Deployable>> verticles) {
    return launch(role, new String[0], verticles);
  }

  /**
   * As {@link #launch(String, Function)}; {@code args} may hold {@code --cluster} (join the clustered
   * event bus, see {@link ClusterSettings}). Any other argument is a usage error.
   */
  public static Vertx launch(String role, String[] args, Function<EnvConfig, List<Deployable>> verticles) {
    EnvConfig env = EnvConfig.fromEnvironment();
    boolean clusterFlag = false;
    for (String a : args) {
      if (a.equals("--cluster")) {
        clusterFlag = true;
      } else {
        System.err.println(role + ": unknown argument '" + a + "' (usage: java -jar emp-" + role
          + ".jar [--cluster]; configuration is EMP_* variables, docs/configuration.md)");
        System.exit(2);
        return null;
      }
    }
    LOG.info("starting {} with {}", role, env.describe());
    List<Deployable> toDeploy;
    ClusterSettings cluster;
    try {
      cluster = ClusterSettings.from(env, clusterFlag);
      toDeploy = verticles.apply(env);
    } catch (ConfigException e) {
      System.err.println(role + ": configuration error: " + e.getMessage());
      System.exit(2);
      return null;
    }
    long shutdownMs = env.longValue("EMP_SHUTDOWN_TIMEOUT_MS", 60_000, 1_000, 3_600_000);
    Vertx vertx;
    if (cluster.enabled()) {
      try {
        vertx = Metrics.vertxBuilder(cluster.apply(new VertxOptions())).withClusterManager(cluster.clusterManager())
          .buildClustered().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        LOG.info("{} joined cluster {} as {}:{} (members {})", role, cluster.name(), cluster.host(), cluster.port(),
          cluster.members());
      } catch (Exception e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        LOG.error("{} could not join cluster {}: {}", role, cluster.name(), LogSafe.of(cause.getMessage()), cause);
        System.err.println(role + " could not join cluster " + cluster.name() + ": " + cause.getMessage());
        System.exit(1);
        return null;
      }
    } else {
      vertx = Metrics.vertxBuilder(new VertxOptions()).build();
    }
    Future<?> deployed = Future.succeededFuture();
    for (Deployable d : toDeploy) {
      deployed = deployed.compose(v -> vertx.deployVerticle(d));
    }
    try {
      deployed.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      LOG.error("{} failed to start: {}", role, LogSafe.of(cause.getMessage()), cause);
      System.err.println(role + " failed to start: " + cause.getMessage());
      vertx.close();
      System.exit(1);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("{} shutting down", role);
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(shutdownMs, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("{} did not stop within {} ms: {}", role, shutdownMs, e.toString());
      }
    }, role + "-shutdown"));
    LOG.info("{} started", role);
    return vertx;
  }
}
