package io.emp.bench.sim;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Submits the planned jobs through the real api ({@code POST /api/jobs}) at their simulated arrival
 * times, and hands each accepted job to the {@link ClientFollower}. A job's body: the class's
 * service, priority, explicit pool (when the class sets one), requirements (plus
 * {@code models: [m]} when the scenario routes models by requirement), and the payload
 * {@code {"class", "model", "n"}} the simulated connector reads.
 */
final class LoadGenerator {
  private final WebClient http;
  private final int port;
  private final String token;
  private final Scenario scenario;
  private final FleetClock clock;
  private final RunData data;
  private final ClientFollower follower;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger seq = new AtomicInteger();

  LoadGenerator(Vertx vertx, int port, String token, Scenario scenario, FleetClock clock, RunData data,
                ClientFollower follower) {
    this.http = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(scenario.client().httpConnections())));
    this.port = port;
    this.token = token;
    this.scenario = scenario;
    this.clock = clock;
    this.data = data;
    this.follower = follower;
  }

  int inFlight() {
    return inFlight.get();
  }

  static JsonObject body(Scenario s, Scenario.JobClass c, String model, int n) {
    JsonObject payload = new JsonObject().put("class", c.name()).put("n", n);
    JsonObject job = new JsonObject().put("service", c.service()).put("priority", c.priority());
    if (model != null) {
      payload.put("model", model);
    }
    job.put("payload", payload);
    if (c.pool() != null) {
      job.put("pool", c.pool());
    }
    if (s.routing().sendJobClass()) {
      job.put("job_class", c.name());
    }
    if (c.maxAttempts() > 0) {
      job.put("max_attempts", c.maxAttempts());
    }
    JsonObject req = new JsonObject(new java.util.LinkedHashMap<>(c.requirements()));
    if (model != null && s.modelRouting() == Scenario.ModelRouting.REQUIREMENT) {
      req.put("models", new JsonArray().add(model));
    }
    if (!req.isEmpty()) {
      job.put("requirements", req);
    }
    return job;
  }

  void submit(ArrivalPlan.Arrival a) {
    Scenario.JobClass c = scenario.jobs().get(a.classIndex());
    inFlight.incrementAndGet();
    http.request(HttpMethod.POST, port, "127.0.0.1", "/api/jobs")
      .putHeader("Authorization", "Bearer " + token)
      .putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer(body(scenario, c, a.model(), seq.incrementAndGet()).encode()))
      .onComplete(ar -> {
        inFlight.decrementAndGet();
        if (ar.succeeded() && ar.result().statusCode() == 201) {
          String id = ar.result().bodyAsJsonObject().getString("id");
          data.accepted(id, c, a.model(), a.atMs(), clock.now());
          follower.follow(id);
        } else {
          data.rejected();
        }
      });
  }

  void close() {
    http.close();
  }
}
