package io.emp.bench.sim;

import io.vertx.redis.client.Redis;

/** What every simulated machine of a run shares. {@code admin} is the simulator's own Redis client (ACL users). */
record FleetContext(Scenario scenario, FleetClock clock, FleetClock.Timings timings, Executions executions,
                    Redis admin, String redisHost, int redisPort, String namespace) {
  /** How often (real ms) a machine republishes its status and inventory: a third of the stale threshold. */
  long statusIntervalMs() {
    return Math.max(200, timings.workerStaleMs() / 3);
  }
}
