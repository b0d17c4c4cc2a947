package io.emp.bench.sim;

import io.vertx.redis.client.Redis;

/** What every simulated machine of a run shares. {@code admin} is the simulator's own Redis client (ACL users). */
record FleetContext(Scenario scenario, FleetClock clock, FleetClock.Timings timings, Executions executions,
                    Redis admin, String redisHost, int redisPort, String namespace) {
}
