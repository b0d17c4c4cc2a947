package io.emp.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.events.BrokerEvent;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConcurrentJobsIT {

  @Test
  @DisplayName("500 simulation jobs submitted concurrently over HTTP all complete, each exactly once")
  void fiveHundredJobs() {
    try (BrokerFixture broker = new BrokerFixture().standalone(Map.of("EMP_SIM_WORKERS", "4", "EMP_WORKER_SLOTS", "8"))) {
      Random random = new Random(7);
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        JsonObject job = new JsonObject().put("service", "simulation")
          .put("payload", new JsonObject().put("duration_ms", random.nextInt(40)).put("steps", 2).put("n", i));
        HttpRequest req = HttpRequest.newBuilder(URI.create(broker.base() + "/api/jobs"))
          .header("Authorization", "Bearer " + BrokerFixture.TOKEN)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(job.encode()))
          .build();
        sent.add(broker.http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
      }
      List<String> ids = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> f : sent) {
        HttpResponse<String> r = f.join();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        ids.add(new JsonObject(r.body()).getString("id"));
      }
      assertThat(ids).doesNotHaveDuplicates().hasSize(500);

      BrokerFixture.eventually("all 500 jobs completed", 60_000, () ->
        new JsonObject(broker.request("GET", "/api/stats", null, BrokerFixture.TOKEN).body())
          .getJsonObject("statuses").getInteger("completed", 0) == 500);

      Map<String, Integer> completions = new HashMap<>();
      Map<String, Integer> assignments = new HashMap<>();
      for (BrokerEvent e : broker.events()) {
        if (e.type().equals("job.completed")) {
          completions.merge(e.job(), 1, Integer::sum);
        } else if (e.type().equals("job.assigned")) {
          assignments.merge(e.job(), 1, Integer::sum);
        }
      }
      assertThat(completions.keySet()).isEqualTo(Set.copyOf(ids));
      assertThat(completions.values()).allMatch(n -> n == 1);
      assertThat(assignments.values()).allMatch(n -> n == 1);
      for (String id : ids.subList(0, 20)) {
        JsonObject job = broker.job(id);
        assertThat(job.getString("status")).isEqualTo("completed");
        assertThat(job.getJsonObject("result")).isNotNull();
      }
      // the work was spread over the simulated machine's workers
      Set<String> workersUsed = broker.events().stream().filter(e -> e.type().equals("job.completed"))
        .map(e -> e.fields().get("worker")).collect(Collectors.toSet());
      assertThat(workersUsed).hasSizeGreaterThan(1);
    }
  }
}
