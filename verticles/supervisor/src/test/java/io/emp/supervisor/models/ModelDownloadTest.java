package io.emp.supervisor.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.events.BrokerEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Downloads: resume, checksum, bandwidth cap, coalescing, parallel bound (docs/pools-and-models.md §4). */
class ModelDownloadTest extends ModelsTestBase {

  @Test
  @DisplayName("a connection dropped mid-body is resumed with a Range request; the installed file is byte-identical")
  void resumesAfterADroppedConnection() throws Exception {
    byte[] body = model("sdxl", 300_000);
    server.cutFirstRequestAt("sdxl", 120_000);
    startManager();

    ModelOutcome o = prefetch("sdxl");

    assertThat(o.ok()).as(o.result().encode()).isTrue();
    assertThat(o.result().getString("outcome")).isEqualTo("downloaded");
    assertThat(o.result().getInteger("attempts")).isEqualTo(2);
    List<ModelServer.Request> requests = server.requestsFor("sdxl");
    assertThat(requests).hasSize(2);
    assertThat(requests.get(0).range()).isNull();
    assertThat(requests.get(1).range()).isEqualTo("bytes=120000-");
    assertThat(Files.readAllBytes(installed("sdxl"))).isEqualTo(body);
    assertThat(sha256(Files.readAllBytes(installed("sdxl")))).isEqualTo(o.result().getString("sha256"));
    assertThat(Files.list(dir.resolve("models/.partial")).toList()).isEmpty();
    eventually("done event", 5_000, () -> downloadStates("sdxl").contains("done"));
    assertThat(downloadStates("sdxl")).containsSubsequence("started", "retry", "done");
    BrokerEvent done = events("machine.model_download").stream()
      .filter(e -> "done".equals(e.fields().get("state"))).findFirst().orElseThrow();
    assertThat(done.fields()).containsEntry("bytes_done", "300000").containsEntry("bytes_total", "300000");
    assertThat(holders("sdxl")).containsExactly(MACHINE);
  }

  @Test
  @DisplayName("a server that ignores Range (200 instead of 206) restarts the file from 0 and still installs it intact")
  void serverWithoutRanges() throws Exception {
    byte[] body = model("vae", 200_000);
    server.cutFirstRequestAt("vae", 50_000).ignoreRange("vae");
    startManager();

    ModelOutcome o = prefetch("vae");

    assertThat(o.ok()).as(o.result().encode()).isTrue();
    assertThat(server.requestsFor("vae").get(1).range()).isEqualTo("bytes=50000-");
    assertThat(Files.readAllBytes(installed("vae"))).isEqualTo(body);
  }

  @Test
  @DisplayName("wrong bytes are rejected by the checksum: nothing installed, partial file removed, failure reported")
  void corruptedFileRejected() throws Exception {
    model("lora", 100_000);
    server.file("lora", bytes("something else", 100_000)); // same size, other content
    startManager();

    ModelOutcome o = prefetch("lora");

    assertThat(o.ok()).isFalse();
    assertThat(o.result().getString("outcome")).isEqualTo("failed");
    assertThat(o.result().getString("error")).contains("checksum mismatch");
    assertThat(installed("lora")).doesNotExist();
    assertThat(Files.list(dir.resolve("models/.partial")).toList()).isEmpty();
    eventually("failed event", 5_000, () -> downloadStates("lora").contains("failed"));
    assertThat(events("machine.model_download").stream().filter(e -> "failed".equals(e.fields().get("state")))
      .findFirst().orElseThrow().fields().get("error")).contains("checksum mismatch");
    assertThat(on(() -> Future.succeededFuture(manager.inventory())).getJsonArray("models")).isEmpty();
    assertThat(holders("lora")).isEmpty();
  }

  @Test
  @DisplayName("the bandwidth cap is roughly honoured: 400 kB at 200 kB/s take well over a second")
  void bandwidthCap() throws Exception {
    model("slow", 400_000);
    env.put("EMP_MODELS_BANDWIDTH_BPS", "200000");
    startManager();

    long t0 = System.nanoTime();
    ModelOutcome o = prefetch("slow");
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertThat(o.ok()).as(o.result().encode()).isTrue();
    // (400 kB - a half-second burst of 100 kB) / 200 kB/s = 1.5 s at least; uncapped it takes milliseconds
    assertThat(ms).isGreaterThanOrEqualTo(1_200);
  }

  @Test
  @DisplayName("concurrent prefetches of one model share one download; downloads run at most EMP_MODELS_PARALLEL at once")
  void coalescedAndBounded() throws Exception {
    model("a", 10_000);
    model("b", 10_000);
    model("c", 10_000);
    for (String m : List.of("a", "b", "c")) {
      server.delay(m, 300);
    }
    env.put("EMP_MODELS_PARALLEL", "2");
    startManager();

    List<ModelOutcome> outcomes = on(() -> Future.all(List.of(manager.prefetch("a").outcome(),
      manager.prefetch("a").outcome(), manager.prefetch("b").outcome(), manager.prefetch("c").outcome()))
      .map(all -> all.<ModelOutcome>list()));

    assertThat(outcomes).allMatch(ModelOutcome::ok);
    assertThat(outcomes.get(1).result()).isEqualTo(outcomes.get(0).result());
    assertThat(server.requestsFor("a")).hasSize(1);
    assertThat(server.maxServing.get()).isEqualTo(2);
    assertThat(prefetch("a").result().getString("outcome")).isEqualTo("present");
  }

  @Test
  @DisplayName("a 404 fails at once; a server that keeps dropping the connection is given up after EMP_MODELS_RETRIES")
  void permanentAndExhaustedFailures() throws Exception {
    model("gone", 1_000);
    catalog.put("gone", Map.of("url", server.url("nowhere"), "bytes", 1_000, "sha256", sha256(bytes("gone", 1_000))));
    byte[] flaky = model("flaky", 10_000);
    server.cutFirstRequestAt("flaky", 0);
    env.put("EMP_MODELS_RETRIES", "0");
    startManager();

    ModelOutcome gone = prefetch("gone");
    ModelOutcome dropped = prefetch("flaky");

    assertThat(gone.result().getString("error")).isEqualTo("HTTP 404 from 127.0.0.1:" + server.port());
    assertThat(server.requestsFor("nowhere")).hasSize(1);
    assertThat(dropped.ok()).isFalse();
    assertThat(dropped.result().getString("error")).startsWith("gave up after 1 attempt(s), the last 1 without progress");
    assertThat(installed("flaky")).doesNotExist();
    assertThat(prefetch("flaky").ok()).as("the next prefetch tries again").isTrue();
    assertThat(Files.readAllBytes(installed("flaky"))).isEqualTo(flaky);
  }

  @Test
  @DisplayName("redirects are followed; the auth_env bearer token goes to the catalog's host only")
  void redirectsAndToken() throws Exception {
    byte[] body = model("private", 5_000);
    ModelServer front = new ModelServer(vertx);
    await(front.start());
    try {
      front.redirect("private", server.url("private"));
      catalog.put("private", Map.of("url", front.url("private"), "bytes", 5_000, "sha256", sha256(body),
        "auth_env", "HF_TOKEN"));
      env.put("HF_TOKEN", "s3cret");
      startManager();

      assertThat(prefetch("private").ok()).isTrue();

      assertThat(front.requestsFor("private")).singleElement()
        .satisfies(r -> assertThat(r.authorization()).isEqualTo("Bearer s3cret"));
      assertThat(server.requestsFor("private")).singleElement()
        .satisfies(r -> assertThat(r.authorization()).isNull());
    } finally {
      await(front.stop());
    }
  }

  @Test
  @DisplayName("a model not in the catalog is refused with the reason; the catalog is re-read when it changes")
  void unknownModelRefused() throws Exception {
    startManager();

    ModelOutcome o = prefetch("ghost");

    assertThat(o.ok()).isFalse();
    assertThat(o.result()).isEqualTo(new JsonObject().put("model", "ghost").put("outcome", "refused")
      .put("error", "model ghost is not in this machine's catalog (" + dir.resolve("catalog.json") + ")"));
    assertThat(prefetch("../etc").result().getString("error")).contains("name must be");

    model("ghost", 1_000);
    Files.writeString(dir.resolve("catalog.json"), new JsonObject(catalog).encode());
    Files.setLastModifiedTime(dir.resolve("catalog.json"),
      java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    assertThat(prefetch("ghost").ok()).isTrue();
  }
}
