package io.emp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.emp.cli.CliFixture.Result;
import io.emp.testkit.RedisExtension;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The job commands against a running broker: api, router and a supervised machine with two
 * simulation workers (service {@code simulation}). Jobs that must wait go to pool {@code nowhere} or a
 * service nobody offers.
 */
@ExtendWith(RedisExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliJobsTest {
  private static final String QUICK = "{\"duration_ms\":300,\"steps\":3}";
  private static CliFixture broker;

  @BeforeAll
  static void start() {
    broker = new CliFixture().controlPlane().machine(CliFixture.MACHINE, 2, "simulation");
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Result emp(String... args) {
    return broker.emp(args);
  }

  /** Submits through the CLI and returns the new job's id. */
  private static String submit(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "submit";
    System.arraycopy(args, 0, all, 1, args.length);
    all[all.length - 1] = "--json";
    Result r = emp(all);
    assertThat(r.exit()).as(r.toString()).isZero();
    return r.json().path("id").asText();
  }

  private static String status(String id) {
    return broker.http("/api/jobs/" + id).path("status").asText();
  }

  @Test
  @DisplayName("submit --wait follows a simulated job to completion: exit 0, the outcome line; --json prints the finished job")
  void submitAndWait() {
    Result r = emp("submit", "simulation", "--payload", QUICK, "--wait");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("submitted ").contains("  state  ", "job.completed").containsPattern("completed in [0-9.]+");

    Result json = emp("submit", "simulation", "--payload", QUICK, "--priority", "80", "--job-class", "cli-quick", "--wait",
      "--json");
    assertThat(json.exit()).as(json.toString()).isZero();
    JsonNode job = json.json();
    assertThat(job.path("status").asText()).isEqualTo("completed");
    assertThat(job.path("priority").asInt()).isEqualTo(80);
    assertThat(job.path("class").asText()).isEqualTo("cli-quick");
    assertThat(job.path("payload").path("duration_ms").asInt()).isEqualTo(300);
    assertThat(job.has("result")).isTrue();
  }

  @Test
  @DisplayName("submit --count 3 --wait submits three jobs and prints one outcome each; --json without --wait prints the replies")
  void submitMany() {
    Result r = emp("submit", "simulation", "--payload", QUICK, "--count", "3", "--wait");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().lines().filter(l -> l.contains(" completed in "))).hasSize(3);

    Result json = emp("submit", "simulation", "--payload", QUICK, "--count", "2", "--json");
    assertThat(json.exit()).as(json.toString()).isZero();
    assertThat(json.json().isArray()).isTrue();
    assertThat(json.json()).hasSize(2).allSatisfy(reply -> assertThat(reply.path("status").asText()).isEqualTo("queued"));
  }

  @Test
  @DisplayName("job --follow streams a job's events to completion and exits 0; --json prints one parseable object per line")
  void followToCompletion() {
    String id = submit("simulation", "--payload", "{\"duration_ms\":1500,\"steps\":5}");
    Result r = emp("job", id, "--follow", "--json");
    assertThat(r.exit()).as(r.toString()).isZero();
    List<JsonNode> lines = r.jsonLines();
    assertThat(lines.get(0).path("id").asText()).as("the state first: the job itself").isEqualTo(id);
    assertThat(lines.subList(1, lines.size())).extracting(e -> e.path("type").asText())
      .contains("job.progress").endsWith("job.completed");
    assertThat(lines.subList(1, lines.size())).allSatisfy(e -> assertThat(e.path("job").asText()).isEqualTo(id));

    Result again = emp("job", id, "--follow");
    assertThat(again.exit()).as("a finished job: its state, then the outcome").isZero();
    assertThat(again.out()).contains("state  completed", id + " completed in");
  }

  @Test
  @DisplayName("job --follow on a terminal draws a progress bar in place and ends with the outcome")
  void progressBarOnTerminal() {
    String id = submit("simulation", "--payload", "{\"duration_ms\":800,\"steps\":4}");
    Result r = CliFixture.emp(broker.shellEnv(), true, "job", id, "--follow");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("\r" + id, "[##", "%").contains("\n" + id + " completed in");
  }

  @Test
  @DisplayName("a failing job: submit --wait exits 1 with the error; job --follow of it exits 1; retry queues it again")
  void failingJobAndRetry() {
    Result r = emp("submit", "simulation", "--payload", "{\"duration_ms\":100,\"fail\":true}", "--max-attempts", "1",
      "--wait");
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).containsPattern("failed: simulated failure .+ \\(max_attempts, attempt 1/1\\)");
    String id = r.out().lines().filter(l -> l.startsWith("submitted ")).findFirst().orElseThrow().substring(10);

    assertThat(emp("job", id, "--follow").exit()).isEqualTo(1);
    Result retried = emp("retry", id);
    assertThat(retried.exit()).as(retried.toString()).isZero();
    assertThat(retried.out().strip()).isEqualTo(id + "  queued");
    assertThat(emp("job", id, "--follow").exit()).as("it fails again").isEqualTo(1);

    Result refused = emp("retry", submit("simulation", "--pool", "nowhere"));
    assertThat(refused.exit()).as("only failed or cancelled jobs can be retried").isEqualTo(1);
    assertThat(refused.err()).contains("409 ILLEGAL_STATE", "(field: status)");
  }

  @Test
  @DisplayName("cancel: a waiting job is cancelled at once, a running one via its worker; follow exits 2; a second cancel is refused")
  void cancel() {
    String waiting = submit("simulation", "--pool", "nowhere");
    Result r = emp("cancel", waiting);
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().strip()).isEqualTo(waiting + "  cancelled");
    assertThat(emp("job", waiting, "--follow").exit()).isEqualTo(2);

    Result again = emp("cancel", waiting, "--json");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.out()).isEmpty();
    assertThat(again.err()).contains("409 ILLEGAL_STATE").contains("(field: status)");

    String running = submit("simulation", "--payload", "{\"duration_ms\":60000,\"steps\":60}");
    CliFixture.eventually("job running", 20_000, () -> "running".equals(status(running)));
    Result requested = emp("cancel", running, "--json");
    assertThat(requested.exit()).as(requested.toString()).isZero();
    assertThat(requested.json().path("status").asText()).isEqualTo("cancel_requested");
    Result follow = emp("job", running, "--follow");
    assertThat(follow.exit()).as(follow.toString()).isEqualTo(2);
    assertThat(follow.out()).contains(running + " cancelled");
  }

  @Test
  @DisplayName("explain of a job no worker can run names the requirement each worker misses")
  void explainUnrunnable() {
    String id = submit("simulation", "--requirements", "{\"hardware\":{\"gpu_memory_gb\":80}}");
    Result r = emp("explain", id);
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("no live worker can run it now (2 online)", CliFixture.MACHINE + "-worker-0", "gpu_memory_gb");

    Result json = emp("explain", id, "--json");
    assertThat(json.exit()).isZero();
    JsonNode e = json.json();
    assertThat(e.path("job").asText()).isEqualTo(id);
    assertThat(e.path("workers")).hasSize(2).allSatisfy(w -> {
      assertThat(w.path("match").asBoolean()).isFalse();
      assertThat(w.path("reason").asText()).contains("gpu_memory_gb");
    });

    String runnable = submit("simulation", "--pool", "nowhere");
    assertThat(emp("explain", runnable).out()).contains("pool nowhere");
    emp("cancel", id);
    emp("cancel", runnable);
  }

  @Test
  @DisplayName("jobs lists and filters by status, service and pool; a bad filter is the api's 400, exit 1 naming it")
  void jobs() {
    String a = submit("jobs-svc", "--pool", "nowhere");
    String b = submit("jobs-svc");
    Result all = emp("jobs", "--service", "jobs-svc", "--json");
    assertThat(all.exit()).as(all.toString()).isZero();
    assertThat(all.json().path("jobs")).extracting(j -> j.path("id").asText()).containsExactly(b, a);

    Result pooled = emp("jobs", "--service", "jobs-svc", "--pool", "nowhere");
    assertThat(pooled.exit()).isZero();
    assertThat(pooled.out()).contains(a, "nowhere").doesNotContain(b);
    assertThat(pooled.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("STATUS", "SERVICE", "POOL");

    emp("cancel", a);
    Result cancelled = emp("jobs", "--status", "cancelled", "--service", "jobs-svc", "--limit", "1");
    assertThat(cancelled.out()).contains(a).doesNotContain(b);

    Result bad = emp("jobs", "--status", "sleeping");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("400 INVALID", "(field: status)");
    emp("cancel", b);
  }

  @Test
  @DisplayName("job shows one job; an unknown job is the api's 404, exit 1 with its message and field")
  void job() {
    String id = submit("simulation", "--pool", "nowhere", "--payload", "{\"prompt\":\"a cat\"}");
    Result r = emp("job", id);
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains(id, "queued", "nowhere", "{\"prompt\":\"a cat\"}");
    assertThat(emp("job", id, "--json").json().path("payload").path("prompt").asText()).isEqualTo("a cat");
    emp("cancel", id);

    Result unknown = emp("job", "01JGZ4Y1N6Q3W8K2V5T7R9M0AB");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("404 NOT_FOUND: unknown job 01JGZ4Y1N6Q3W8K2V5T7R9M0AB (field: id)");
  }

  @Test
  @DisplayName("status shows machines, workers, queues per service and pool, unrunnable jobs and the north star; --json both documents")
  void status() {
    assertThat(emp("submit", "simulation", "--payload", QUICK, "--wait").exit()).isZero();
    String stuck = submit("status-svc");
    Result r = emp("status");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("machines 1/1 online", "/ 2 online", "unrunnable", "status-svc", "north star",
      "WAIT P50");

    Result json = emp("status", "--json");
    assertThat(json.exit()).isZero();
    JsonNode doc = json.json();
    assertThat(doc.path("stats").path("workers").path("online").asInt()).isEqualTo(2);
    assertThat(doc.path("stats").path("services").path("status-svc").path("unrunnable").asInt()).isEqualTo(1);
    assertThat(doc.path("stats").path("north_star").path("pools").path("none").path("routed_own").asLong()).isPositive();
    assertThat(doc.path("machines").get(0).path("id").asText()).isEqualTo(CliFixture.MACHINE);
    emp("cancel", stuck);
  }

  @Test
  @DisplayName("events replays the recent past and exits where the stream turns live; filters by service and job")
  void eventsSince() {
    String svc = "ev-since-" + System.nanoTime();
    String id = submit(svc);
    emp("cancel", id);
    Result r = emp("events", "--since", "1m", "--service", svc, "--json");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.jsonLines()).extracting(e -> e.path("type").asText()).containsExactly("job.submitted", "job.cancelled");

    Result human = emp("events", "--job", id);
    assertThat(human.exit()).isZero();
    assertThat(human.out().lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains(id, svc));
  }

  @Test
  @DisplayName("events --follow receives live events until --limit; --timeout ends a quiet follow with exit 0")
  void eventsFollow() throws Exception {
    String svc = "ev-live-" + System.nanoTime();
    CompletableFuture<Result> follow = CompletableFuture.supplyAsync(
      () -> emp("events", "--follow", "--service", svc, "--limit", "2", "--timeout", "60s"));
    for (int i = 0; i < 200 && !follow.isDone(); i++) {
      emp("cancel", submit(svc)); // until the follower, connected at some point, has seen two events
      CliFixture.sleep(100);
    }
    Result r = follow.get(60, TimeUnit.SECONDS);
    assertThat(r.exit()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l).contains(svc));
    assertThat(lines.get(0)).containsPattern("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  job\\.");

    long t0 = System.currentTimeMillis();
    Result quiet = emp("events", "--follow", "--service", "nobody-" + svc, "--timeout", "1s");
    assertThat(quiet.exit()).isZero();
    assertThat(quiet.out()).isEmpty();
    assertThat(System.currentTimeMillis() - t0).isBetween(900L, 15_000L);
  }
}
