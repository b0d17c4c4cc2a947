package io.emp.standalone;

import io.emp.api.ApiVerticle;
import io.emp.core.config.EnvConfig;
import io.emp.monitor.MonitorVerticle;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.emp.supervisor.SupervisorVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Every role in one JVM: router, api, monitor and a simulated GPU machine — an in-process supervisor
 * running the machine spec {@code standalone-machine.yaml} (one stand-in backend process per simulated
 * GPU) and one simulation worker per GPU. Children are deployed in that order and undeployed in
 * reverse by Vert.x, so on shutdown the machine drains and its workers release their jobs while Redis,
 * the api and the monitor still run.
 */
public final class StandaloneVerticle extends VerticleBase {
  static final String SPEC_RESOURCE = "standalone-machine.yaml";

  private final EnvConfig env;
  private final RouterVerticle router;
  private final ApiVerticle api;
  private final MonitorVerticle monitor;

  /** Configures every role from {@code env} (see {@link StandaloneSettings#apply}); throws on bad values. */
  public StandaloneVerticle(EnvConfig env) {
    this.env = env;
    this.router = new RouterVerticle(RouterConfig.from(env));
    this.api = ApiVerticle.fromEnv(env);
    this.monitor = MonitorVerticle.fromEnv(env);
  }

  @Override
  public Future<?> start() {
    return vertx.deployVerticle(router)
      .compose(id -> vertx.deployVerticle(api))
      .compose(id -> vertx.deployVerticle(monitor))
      .compose(id -> vertx.executeBlocking(this::writeSpec))
      .compose(spec -> vertx.deployVerticle(new SupervisorVerticle(env)));
  }

  public int apiPort() {
    return api.actualPort();
  }

  public int monitorPort() {
    return monitor.actualPort();
  }

  public EnvConfig env() {
    return env;
  }

  /** The bundled spec goes to {@code EMP_MACHINE_SPEC} unless that names a spec of the user's own. */
  private Path writeSpec() throws IOException {
    Path target = Path.of(env.required("EMP_MACHINE_SPEC"));
    if (!target.equals(Path.of(env.required("EMP_RUN_DIR")).resolve(StandaloneSettings.BUNDLED_SPEC_NAME))) {
      return target;
    }
    Files.createDirectories(target.getParent());
    try (InputStream in = StandaloneVerticle.class.getClassLoader().getResourceAsStream(SPEC_RESOURCE)) {
      if (in == null) {
        throw new IOException(SPEC_RESOURCE + " is missing from the classpath");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }
}
