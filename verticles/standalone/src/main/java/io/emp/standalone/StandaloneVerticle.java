package io.emp.standalone;

import io.emp.api.ApiVerticle;
import io.emp.core.config.EnvConfig;
import io.emp.router.RouterConfig;
import io.emp.router.RouterVerticle;
import io.emp.worker.WorkerRole;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Every role in one JVM: router, api and a simulated GPU machine (a {@link WorkerRole} with
 * {@code EMP_SIM_WORKERS} simulation workers). Children are deployed in that order and undeployed in
 * reverse by Vert.x, so on shutdown the workers release their jobs while Redis and the api still run.
 */
public final class StandaloneVerticle extends VerticleBase {
  private final EnvConfig env;
  private final RouterVerticle router;
  private final ApiVerticle api;
  private final WorkerRole workers;

  /** Configures every role from {@code env} (see {@link StandaloneSettings#apply}); throws on bad values. */
  public StandaloneVerticle(EnvConfig env) {
    this.env = env;
    this.router = new RouterVerticle(RouterConfig.from(env));
    this.api = ApiVerticle.fromEnv(env);
    this.workers = new WorkerRole(env);
  }

  @Override
  public Future<?> start() {
    return vertx.deployVerticle(router)
      .compose(id -> vertx.deployVerticle(api))
      .compose(id -> vertx.deployVerticle(workers));
  }

  public int apiPort() {
    return api.actualPort();
  }

  public WorkerRole workers() {
    return workers;
  }

  public EnvConfig env() {
    return env;
  }
}
