package io.emp.standalone.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chaos suite (docs/reliability.md): a whole deployment — a real {@code redis-server} with AOF,
 * two api JVMs, a router, a monitor and four worker machines (simulation connector, jobs of 0.5–3 s)
 * — under process kills, pauses, Redis restarts and outages and a submission burst, while clients
 * submit with idempotency keys and follow every event over SSE. After each scenario the
 * {@link Ledger} checks the invariants against what the broker recorded; the figures and recovery
 * times go to {@code target/chaos/report.md}. Timings are recorded and bounded only loosely: this
 * runs on loaded 2-core machines.
 *
 * <p>Short forms run in {@code mvn verify}; {@code -Demp.chaos.long=true} (set by
 * {@code scripts/chaos.sh --long}) runs the long forms (longer loops, more rounds, 100k burst).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {
  static final boolean LONG = Boolean.getBoolean("emp.chaos.long");
  static final long LEASE_MS = 2_000;
  static final long REAP_MS = 250;
  /** Loose bound for "kill → lease recovered": two leases, a reap interval and a generous slack for a loaded machine. */
  static final long RECOVERY_BOUND_MS = 2 * LEASE_MS + REAP_MS + 10_000;
  static final List<String> WORKERS = List.of("m1", "m2", "m3", "m4");

  private final Path dir = Path.of(System.getProperty("emp.chaos.dir", "target/chaos"));
  private final Random random = new Random(Long.getLong("emp.chaos.seed", 20261128L));
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();
  private Fleet fleet;
  private Report report;

  @BeforeAll
  void up() throws IOException {
    report = new Report(dir, LONG);
    // AOF everysec is what most deployments run; the Redis scenarios switch to always where they say so
    fleet = new Fleet(dir.resolve("logs"), "--appendonly", "yes", "--appendfsync", "everysec");
    fleet.addRouter("router", Map.of("EMP_EVENTS_MAXLEN", LONG ? "3000000" : "1000000", "EMP_POISON_LOSSES", "10"));
    fleet.addApi("api-a");
    fleet.addApi("api-b");
    fleet.addMonitor("monitor");
    for (String w : WORKERS) {
      fleet.addWorker(w, Map.of());
    }
    long t0 = System.currentTimeMillis();
    fleet.start("router"); // applies the namespace settings and loads the function library first
    fleet.awaitReady("router", 180_000);
    for (Fleet.Member m : fleet.members()) {
      fleet.start(m.name);
    }
    fleet.heal(180_000);
    System.out.println("chaos fleet ready in " + (System.currentTimeMillis() - t0) + " ms (redis " + fleet.redis.url() + ")");
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  // ------------------------------------------------------------------------------------------
  // (a) kill -9 of random busy workers in a loop

  @Test
  @Order(1)
  @DisplayName("(a) kill -9 of random busy worker JVMs in a loop, restarted: every job completes once, no attempt burned")
  void workerKills() throws Exception {
    Run r = begin("worker-kill", "kill -9 of random busy worker JVMs in a loop, each restarted");
    long loopMs = LONG ? 180_000 : 40_000;
    r.s.param("loop_s", loopMs / 1000).param("lease_ms", LEASE_MS).param("reap_interval_ms", REAP_MS)
      .param("workers", WORKERS.size() + " JVMs x 2 slots").param("load", "3 jobs/s of 0.5-3 s");
    r.sub.startLoad(3, this::simJob);
    Fleet.sleep(4_000);
    List<Kill> kills = new ArrayList<>();
    long end = System.currentTimeMillis() + loopMs;
    while (System.currentTimeMillis() < end) {
      List<String> busy = new ArrayList<>();
      Map<String, List<String>> held = new HashMap<>();
      for (String w : WORKERS) {
        if (fleet.member(w).alive()) {
          List<String> jobs = heldJobs(w + "-worker-0");
          if (!jobs.isEmpty()) {
            busy.add(w);
            held.put(w, jobs);
          }
        }
      }
      if (busy.isEmpty()) {
        Fleet.sleep(300);
        continue;
      }
      String victim = busy.get(random.nextInt(busy.size()));
      long at = fleet.kill9(victim);
      kills.add(new Kill(victim, at, System.currentTimeMillis(), held.get(victim)));
      Fleet.sleep(random.nextInt(2_500));
      fleet.start(victim);
      Fleet.sleep(3_000 + random.nextInt(3_000));
    }
    Ledger.Verdict v = finish(r, Ledger.Rules.strict());
    Recoveries rec = recoveries(v, kills);
    r.s.figure("kills", kills.size()).figure("jobs_held_by_killed_workers", rec.held)
      .figure("unexplained_lease_losses", rec.unexplained)
      .figure("requeued_by (lost = lease expired and reaped, worker_restarted = the machine came back first)", rec.byReason);
    r.s.timing("kill → lease recovered (job requeued, attempt kept)", rec.detect)
      .timing("kill → job running elsewhere (re-assigned)", rec.rerun)
      .timing("kill → job completed", rec.done);
    long maxDetect = rec.detect.stream().mapToLong(Long::longValue).max().orElse(0);
    r.s.check("recovery max " + maxDetect + " ms ≤ 2 × lease + reap + 10 s slack = " + RECOVERY_BOUND_MS + " ms",
      maxDetect <= RECOVERY_BOUND_MS);
    r.s.check("every job held by a killed worker was requeued as lost (" + rec.requeued + " of " + rec.held + ")",
      rec.requeued == rec.held);
    rec.missed.forEach(m -> r.s.note("not requeued: " + m));
    end(r, v, () -> {
      assertThat(kills).as("kills").isNotEmpty();
      assertThat(rec.requeued).as("jobs held by killed workers requeued as lost").isEqualTo(rec.held);
      assertThat(maxDetect).as("kill → requeue").isLessThanOrEqualTo(RECOVERY_BOUND_MS);
    });
  }

  // ------------------------------------------------------------------------------------------
  // (b) SIGSTOP longer than the lease, SIGCONT: late results refused

  @Test
  @Order(2)
  @DisplayName("(b) a worker SIGSTOPped past its lease is fenced after SIGCONT: the job completes once, elsewhere")
  void pausedWorkerFenced() throws Exception {
    Run r = begin("fencing", "SIGSTOP of a busy worker longer than its lease, then SIGCONT");
    // heartbeat 700 ms: a pause taken just after a heartbeat, with the job's end due sooner than the
    // next one, makes the overdue completion the first thing the worker sends after SIGCONT
    Map<String, String> fenceEnv = Map.of("EMP_SIM_SERVICE", "sim-fence", "EMP_LEASE_MS", "1500", "EMP_HEARTBEAT_MS", "700",
      "EMP_WORKER_SLOTS", "2");
    fleet.addWorker("fence-a", fenceEnv);
    fleet.addWorker("fence-b", fenceEnv);
    int rounds = LONG ? 6 : 2;
    r.s.param("rounds", rounds).param("lease_ms", 1500).param("heartbeat_ms", 700)
      .param("jobs", "2 per round, 3 s; even rounds paused just before the end (late completion), odd rounds mid-job with progress");
    List<Long> detect = new ArrayList<>();
    List<Long> rerun = new ArrayList<>();
    List<Long> pausedFor = new ArrayList<>();
    Set<String> fencedJobs = ConcurrentHashMap.newKeySet();
    long fencedBefore = counter("fenced");
    int completionRoundsInWindow = 0;
    try {
      fleet.start("fence-a");
      fleet.awaitReady("fence-a", 120_000);
      for (int round = 0; round < rounds; round++) {
        boolean lateCompletion = round % 2 == 0;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          ids.add(submitAndWait(r, new JsonObject().put("service", "sim-fence")
            .put("payload", new JsonObject().put("duration_ms", 3_000).put("steps", lateCompletion ? 0 : 3))));
        }
        eventually("both jobs running on fence-a", 30_000, () -> ids.stream()
          .allMatch(id -> "fence-a-worker-0".equals(hget(id, "worker")) && "running".equals(hget(id, "status"))));
        long firstEnd = ids.stream().mapToLong(id -> Ledger.num(hget(id, "assigned_at"))).min().orElseThrow() + 3_000;
        long lastEnd = ids.stream().mapToLong(id -> Ledger.num(hget(id, "assigned_at"))).max().orElseThrow() + 3_000;
        if (lateCompletion) {
          completionRoundsInWindow += pauseAfterHeartbeat("fence-a-worker-0", firstEnd, lastEnd) ? 1 : 0;
        } else {
          long wait = lastEnd - 500 - System.currentTimeMillis();
          if (wait > 0) {
            Fleet.sleep(wait);
          }
        }
        long stoppedAt = System.currentTimeMillis();
        fleet.pause("fence-a");
        fleet.start("fence-b");
        eventually("fence-b took both jobs over", 120_000, () -> ids.stream()
          .allMatch(id -> "fence-b-worker-0".equals(hget(id, "worker")) || "completed".equals(hget(id, "status"))));
        fleet.resume("fence-a");
        long resumedAt = System.currentTimeMillis();
        pausedFor.add(resumedAt - stoppedAt);
        eventually("both jobs completed", 60_000, () -> ids.stream().allMatch(id -> "completed".equals(hget(id, "status"))));
        for (String id : ids) {
          List<Ledger.Ev> evs = eventsOf(id);
          evs.stream().filter(e -> e.type().equals("job.queued") && e.ts() >= stoppedAt).findFirst()
            .ifPresent(e -> detect.add(e.ts() - stoppedAt));
          evs.stream().filter(e -> e.type().equals("job.assigned") && "fence-b-worker-0".equals(e.worker())).findFirst()
            .ifPresent(e -> rerun.add(e.ts() - stoppedAt));
          fencedJobs.add(id);
        }
        fleet.terminate("fence-b"); // leaves; the next round pauses fence-a again
      }
      r.s.figure("late_completion_rounds_paused_in_window", completionRoundsInWindow + "/" + (rounds + 1) / 2);
      Ledger.Verdict v = finish(r, Ledger.Rules.strict());
      long fenced = counter("fenced") - fencedBefore;
      String logA = fleet.logs("fence-a");
      long refusedCompletions = count(logA, "complete refused");
      long stoppedLost = count(logA, "stopping (lost)");
      long abortedByHeartbeat = count(logA, "lease lost (heartbeat); aborting");
      List<String> wrong = new ArrayList<>();
      for (String id : fencedJobs) {
        List<Ledger.Ev> done = eventsOf(id).stream().filter(e -> e.type().equals("job.completed")).toList();
        Map<String, String> h = v.broker.jobs.get(id);
        if (done.size() != 1 || !"fence-b-worker-0".equals(done.get(0).worker())
          || Ledger.num(h.get("losses")) != 1 || Ledger.num(h.get("failures")) != 0) {
          wrong.add(id + " completions " + done + " hash " + h);
        }
      }
      r.s.timing("SIGSTOP → lease taken back (job requeued)", detect)
        .timing("SIGSTOP → job running on the other worker (includes its JVM start)", rerun)
        .timing("paused for", pausedFor);
      r.s.figure("fenced_calls_counted_by_broker", fenced).figure("late_completions_refused (worker log)", refusedCompletions)
        .figure("executions_stopped_as_lost (worker log)", stoppedLost)
        .figure("executions_aborted_by_heartbeat_lost (worker log)", abortedByHeartbeat);
      r.s.check("the broker refused the paused worker's late calls (fenced ≥ 1: " + fenced + ")", fenced >= 1);
      r.s.check("every paused job completed exactly once, by the other worker, losses = 1, failures = 0 ("
        + (fencedJobs.size() - wrong.size()) + "/" + fencedJobs.size() + ")", wrong.isEmpty());
      r.s.check("the paused worker is alive after SIGCONT", fleet.member("fence-a").alive());
      end(r, v, () -> {
        assertThat(fenced).as("fenced calls").isGreaterThanOrEqualTo(1);
        assertThat(wrong).as("paused jobs").isEmpty();
        assertThat(fleet.member("fence-a").alive()).isTrue();
      });
    } finally {
      fleet.remove("fence-a");
      fleet.remove("fence-b");
    }
  }

  // ------------------------------------------------------------------------------------------
  // (c) kill -9 and restart the api, the router and the monitor mid-load

  @Test
  @Order(3)
  @DisplayName("(c) kill -9 of an api, the other api, the router (with a worker lost meanwhile) and the monitor mid-load")
  void controlPlaneKills() throws Exception {
    Run r = begin("control-plane", "kill -9 and restart of each api, the router and the monitor mid-load");
    r.s.param("apis", 2).param("load", "3 jobs/s of 0.5-3 s plus 150 quick jobs fired at each api kill; idempotency keys, retry on the other api");
    r.sub.startLoad(3, this::simJob);
    Fleet.sleep(5_000);
    List<Long> apiRestart = new ArrayList<>();
    for (String api : List.of("api-a", "api-b")) {
      // a flurry of short jobs, so that submits are in flight on the api when it dies: some reach
      // Redis but their answer dies with the api — the client's retry with the same key gets the job
      Thread flurry = new Thread(() -> {
        for (int i = 0; i < 150; i++) {
          r.sub.submit(new JsonObject().put("service", "simulation")
            .put("payload", new JsonObject().put("duration_ms", 50).put("steps", 0)));
        }
      }, "chaos-flurry");
      flurry.start();
      Fleet.sleep(150);
      long killed = fleet.kill9(api);
      flurry.join();
      Fleet.sleep(500);
      fleet.start(api);
      apiRestart.add(fleet.awaitReady(api, 120_000) - killed);
      Fleet.sleep(4_000);
    }
    // the router dies, and while it is down a worker machine dies too: nobody reaps its leases
    long routerKilled = fleet.kill9("router");
    Fleet.sleep(500);
    String victim = null;
    List<String> held = List.of();
    for (int i = 0; i < 300 && victim == null; i++) {
      for (String w : WORKERS) {
        List<String> jobs = heldJobs(w + "-worker-0");
        if (jobs.stream().anyMatch(id -> remainingMs(id) > 1_500)) { // still running when its lease expires
          victim = w;
          held = jobs;
          break;
        }
      }
      if (victim == null) {
        Fleet.sleep(100);
      }
    }
    assertThat(victim).as("a worker busy with a long job to kill while the router is down").isNotNull();
    long workerKilled = fleet.kill9(victim);
    Fleet.sleep(4_000); // the leases expire meanwhile; with no router they stay held
    List<String> stillHeld = new ArrayList<>();
    for (String id : held) {
      String st = hget(id, "status");
      if ("assigned".equals(st) || "running".equals(st)) {
        stillHeld.add(id);
      }
    }
    long routerStarting = System.currentTimeMillis();
    fleet.start("router");
    long routerReady = fleet.awaitReady("router", 120_000);
    String victimWorker = victim + "-worker-0";
    eventually("the killed worker's jobs requeued once the router is back", 60_000,
      () -> stillHeld.stream().noneMatch(id -> Set.of("assigned", "running").contains(hget(id, "status"))
        && victimWorker.equals(hget(id, "worker"))));
    fleet.start(victim);
    fleet.awaitReady(victim, 120_000);
    // the monitor
    long monitorKilled = fleet.kill9("monitor");
    Fleet.sleep(500);
    fleet.start("monitor");
    long monitorReady = fleet.awaitReady("monitor", 120_000);
    long bridgeEventAfter = MonitorBridge.firstJobEvent(http, fleet.member("monitor").port, Fleet.TOKEN, 30_000);
    Fleet.sleep(4_000);
    Ledger.Verdict v = finish(r, Ledger.Rules.strict());

    List<Long> requeueAfterRouter = new ArrayList<>();
    List<Long> requeueAfterKill = new ArrayList<>();
    for (String id : stillHeld) {
      eventsOf(id).stream().filter(e -> e.type().equals("job.queued") && e.ts() >= workerKilled
        && "lost".equals(e.f().get("reason"))).findFirst().ifPresent(e -> {
          requeueAfterRouter.add(e.ts() - routerStarting);
          requeueAfterKill.add(e.ts() - workerKilled);
        });
    }
    List<Long> ackLatency = r.ledger.acks().stream().map(Ledger.Ack::latencyMs).toList();
    long acksWhileRouterDown = r.ledger.acks().stream().filter(a -> a.ackAt() > routerKilled && a.ackAt() < routerReady).count();
    r.s.timing("api kill -9 → restarted and ready (JVM start)", apiRestart)
      .timing("submit acknowledgement latency (retries included)", ackLatency)
      .timing("router process started → expired leases of the worker lost meanwhile requeued (JVM start included)", requeueAfterRouter)
      .timing("worker kill (router down) → requeued", requeueAfterKill)
      .timing("router kill -9 → restarted and ready", List.of(routerReady - routerKilled))
      .timing("monitor kill -9 → restarted and ready", List.of(monitorReady - monitorKilled))
      .timing("monitor ready → first job event on a new bridge socket", bridgeEventAfter < 0 ? List.of() : List.of(bridgeEventAfter - monitorReady));
    r.s.figure("sse_reconnects", r.follower.connects.get() - 1).figure("submits_acknowledged_while_router_down", acksWhileRouterDown)
      .figure("jobs_held_while_router_down", stillHeld.size()).figure("submit_errors", String.valueOf(r.sub.errors));
    r.s.check("every job of the worker lost while the router was down was still held when the router came back, and "
      + "was then requeued as lost (" + requeueAfterRouter.size() + "/" + stillHeld.size() + ")",
      !stillHeld.isEmpty() && requeueAfterRouter.size() == stillHeld.size());
    r.s.check("submits kept being acknowledged while the router was down (" + acksWhileRouterDown + ")", acksWhileRouterDown > 0);
    r.s.check("a new monitor bridge socket received job events after the restart", bridgeEventAfter > 0);
    r.s.note("Submits that died with an api were retried on the other api with the same idempotency key; "
      + "'resubmitted_acks_deduplicated' counts the retries the broker answered with the first job's id.");
    end(r, v, () -> {
      assertThat(stillHeld).as("jobs of the lost worker still held while the router was down").isNotEmpty();
      assertThat(requeueAfterRouter).as("jobs requeued after the router came back").hasSize(stillHeld.size());
      assertThat(acksWhileRouterDown).isPositive();
      assertThat(bridgeEventAfter).as("bridge events after the monitor restart").isPositive();
    });
  }

  // ------------------------------------------------------------------------------------------
  // (d) Redis restarts with AOF always and everysec

  @Test
  @Order(4)
  @DisplayName("(d) kill -9 and restart of Redis with AOF appendfsync always (nothing lost) and everysec (documented window)")
  void redisRestarts() throws Exception {
    for (String fsync : List.of("always", "everysec")) {
      fleet.probe.call("CONFIG", "SET", "appendfsync", fsync);
      Run r = begin("redis-restart-" + fsync, "kill -9 of redis-server under load, restarted from its AOF (appendfsync " + fsync + ")");
      int restarts = LONG ? 3 : 1;
      r.s.param("appendfsync", fsync).param("restarts", restarts).param("load", "4 jobs/s of 0.5-3 s");
      r.sub.startLoad(4, this::simJob);
      List<Long> killedAt = new ArrayList<>();
      List<Long> upAt = new ArrayList<>();
      List<Long> downFor = new ArrayList<>();
      List<Long> allReady = new ArrayList<>();
      for (int i = 0; i < restarts; i++) {
        Fleet.sleep(6_000);
        long killed = System.currentTimeMillis();
        fleet.redis.kill();
        fleet.redis.restart();
        long up = System.currentTimeMillis();
        fleet.probe.call("CONFIG", "SET", "appendfsync", fsync);
        killedAt.add(killed);
        upAt.add(up);
        downFor.add(up - killed);
        for (Fleet.Member m : fleet.members()) {
          fleet.awaitReady(m.name, 120_000);
        }
        allReady.add(System.currentTimeMillis() - up);
      }
      Fleet.sleep(6_000);
      Ledger.Rules rules = Ledger.Rules.strict();
      if (fsync.equals("everysec")) {
        // documented: up to ~1 s (2 s when the disk stalls) of acknowledged writes before the crash of the host
        rules.lossWindow(killedAt.get(0) - 2_000, killedAt.get(killedAt.size() - 1));
      }
      Ledger.Verdict v = finish(r, rules);
      List<Long> firstCompletion = new ArrayList<>();
      for (long up : upAt) {
        firstAfter(v, "job.completed", up).ifPresent(ts -> firstCompletion.add(ts - up));
      }
      List<Long> firstClaim = new ArrayList<>();
      for (long up : upAt) {
        firstAfter(v, "job.assigned", up).ifPresent(ts -> firstClaim.add(ts - up));
      }
      r.s.timing("Redis killed → restarted and answering (AOF loaded)", downFor)
        .timing("Redis back → first job assigned", firstClaim)
        .timing("Redis back → first job completed", firstCompletion)
        .timing("Redis back → every role ready", allReady);
      r.s.check("no role process exited (they reconnected by themselves)", allAlive());
      if (fsync.equals("always")) {
        r.s.check("nothing acknowledged was lost (" + v.figures.get("lost_in_documented_window") + ")",
          ((Number) v.figures.get("lost_in_documented_window")).longValue() == 0);
      } else {
        r.s.note("kill -9 of the redis-server process leaves the AOF writes in the kernel's page cache, so everysec loses "
          + "nothing here; only a crash of the host (power, kernel) loses the last ~1 s. Measured loss: "
          + v.figures.get("lost_in_documented_window") + " acknowledged job(s).");
      }
      end(r, v, () -> assertThat(allAlive()).as("every role process still running").isTrue());
    }
    fleet.probe.call("CONFIG", "SET", "appendfsync", "everysec");
  }

  // ------------------------------------------------------------------------------------------
  // (e) Redis unreachable for 30 s

  @Test
  @Order(5)
  @DisplayName("(e) Redis unreachable for 30 s (SIGSTOP, then killed and down): /ready says so, roles reconnect, work resumes")
  void redisOutage() throws Exception {
    List<String> modes = LONG ? List.of("sigstop", "down") : List.of("sigstop", "down");
    for (String mode : modes) {
      long outageMs = mode.equals("sigstop") ? 30_000 : (LONG ? 30_000 : 15_000);
      Run r = begin("redis-outage-" + mode, mode.equals("sigstop")
        ? "redis-server SIGSTOPped for " + outageMs / 1000 + " s (connections hang), then SIGCONT"
        : "redis-server killed and kept down for " + outageMs / 1000 + " s (connections refused), then restarted from its AOF");
      r.s.param("outage_s", outageMs / 1000).param("load", "3 jobs/s of 0.5-3 s");
      r.sub.startLoad(3, this::simJob);
      Fleet.sleep(6_000);
      long stopped = System.currentTimeMillis();
      if (mode.equals("sigstop")) {
        fleet.pauseRedis();
      } else {
        fleet.redis.kill();
      }
      Map<String, Long> notReadyAfter = new LinkedHashMap<>();
      Map<String, String> reasons = new LinkedHashMap<>();
      boolean crashed = false;
      while (System.currentTimeMillis() < stopped + outageMs) {
        long asked = System.currentTimeMillis();
        for (Map.Entry<String, Fleet.Probe> e : fleet.readyAll().entrySet()) {
          if (!notReadyAfter.containsKey(e.getKey()) && e.getValue().status() == 503) {
            notReadyAfter.put(e.getKey(), asked - stopped); // when asked: the answer takes the check's timeout
            reasons.put(e.getKey(), e.getValue().reason());
          }
        }
        for (Fleet.Member m : fleet.members()) {
          crashed |= !m.alive();
        }
        Fleet.sleep(500);
      }
      long back;
      if (mode.equals("sigstop")) {
        fleet.resumeRedis();
        back = System.currentTimeMillis();
      } else {
        fleet.redis.restart();
        back = System.currentTimeMillis();
      }
      Map<String, Long> readyAgain = new LinkedHashMap<>();
      for (Fleet.Member m : fleet.members()) {
        readyAgain.put(m.name, fleet.awaitReady(m.name, 120_000) - back);
      }
      Fleet.sleep(6_000);
      Ledger.Verdict v = finish(r, Ledger.Rules.strict());
      List<Long> first = new ArrayList<>();
      firstAfter(v, "job.completed", back).ifPresent(ts -> first.add(ts - back));
      List<Long> firstClaim = new ArrayList<>();
      firstAfter(v, "job.assigned", back).ifPresent(ts -> firstClaim.add(ts - back));
      List<Long> firstSubmit = new ArrayList<>();
      r.ledger.acks().stream().mapToLong(Ledger.Ack::ackAt).filter(t -> t >= back).min().ifPresent(t -> firstSubmit.add(t - back));
      r.s.timing("outage start → /ready 503 (per role)", new ArrayList<>(notReadyAfter.values()))
        .timing("Redis back → /ready 200 again (per role)", new ArrayList<>(readyAgain.values()))
        .timing("Redis back → first job assigned", firstClaim)
        .timing("Redis back → first job completed", first)
        .timing("Redis back → first submit acknowledged", firstSubmit)
        .timing("submit acknowledgement latency (retries included)", r.ledger.acks().stream().map(Ledger.Ack::latencyMs).toList());
      reasons.forEach((k, reason) -> r.s.note("/ready of " + k + " during the outage: `" + reason.replace("|", "/") + "`"));
      r.s.figure("submit_errors", String.valueOf(r.sub.errors));
      Set<String> missing = new java.util.TreeSet<>();
      fleet.members().forEach(m -> {
        if (!notReadyAfter.containsKey(m.name)) {
          missing.add(m.name);
        }
      });
      boolean apiReason = reasons.getOrDefault("api-a", "").startsWith("redis");
      r.s.check("every role's /ready answered 503 during the outage" + (missing.isEmpty() ? "" : " (not: " + missing + ")"),
        missing.isEmpty());
      r.s.check("the api's /ready named Redis as the reason", apiReason);
      r.s.check("no role process exited during or after the outage", !crashed && allAlive());
      r.s.check("work resumed: a job completed after Redis came back", !first.isEmpty());
      // outage grace (EMP_REAP_SILENCE_MS): the whole fleet was silent, so the leases that expired
      // meanwhile were extended once and renewed by the live workers, not requeued and run again
      // A requeue as lost after the outage is either a job that was running when Redis went away (its
      // assignment is older than the outage: the work is done again) or a claim the worker sent during
      // the outage, which Redis executed once it was back while the worker had given up waiting for the
      // reply (assigned after the outage; it never started, and its lease brings it back).
      List<String> rerun = new ArrayList<>();
      long lostClaimReplies = 0;
      for (Map.Entry<String, List<Ledger.Ev>> e : v.broker.events.entrySet()) {
        Ledger.Ev assigned = null;
        for (Ledger.Ev ev : e.getValue()) {
          if (ev.type().equals("job.assigned")) {
            assigned = ev;
          } else if (ev.type().equals("job.queued") && ev.ts() >= stopped && Ledger.LOSS_REASONS.contains(ev.f().get("reason"))
            && assigned != null) {
            if (assigned.ts() < stopped) {
              rerun.add(e.getKey());
            } else {
              lostClaimReplies++;
            }
          }
        }
      }
      r.s.figure("requeued_although_running_at_the_outage", rerun.size())
        .figure("requeued_claims_whose_reply_was_lost (sent during the outage, never started)", lostClaimReplies);
      r.s.check("the jobs running when Redis went away stayed with their workers (leases extended by the outage "
        + "grace, not requeued): " + rerun.size() + " requeued", rerun.isEmpty());
      boolean crashedFinal = crashed;
      end(r, v, () -> {
        assertThat(rerun).as("jobs running at the outage requeued although their workers were alive").isEmpty();
        assertThat(missing).as("roles whose /ready never said 503").isEmpty();
        assertThat(apiReason).as("api /ready reason " + reasons.get("api-a")).isTrue();
        assertThat(crashedFinal || !allAlive()).as("a role process exited").isFalse();
        assertThat(first).as("completions after the outage").isNotEmpty();
      });
    }
  }

  // ------------------------------------------------------------------------------------------
  // (f) burst

  @Test
  @Order(6)
  @DisplayName("(f) a burst of submissions all reach a terminal state, each completed once")
  void burst() throws Exception {
    int n = Integer.getInteger("emp.chaos.burst", LONG ? 100_000 : 3_000);
    Run r = begin("burst", "a burst of " + n + " submissions as fast as the api takes them");
    int slots = LONG ? 32 : 16;
    Map<String, String> env = Map.of("EMP_SIM_SERVICE", "sim-burst", "EMP_WORKER_SLOTS", Integer.toString(slots),
      "EMP_LOG_LEVEL", "WARN", "EMP_LEASE_MS", "5000", "EMP_HEARTBEAT_MS", "1000");
    fleet.addWorker("burst-1", env);
    fleet.addWorker("burst-2", env);
    r.s.param("jobs", n).param("in_flight", 64).param("workers", "2 JVMs x " + slots + " slots").param("job", "0-20 ms");
    try {
      fleet.start("burst-1");
      fleet.start("burst-2");
      fleet.awaitReady("burst-1", 120_000);
      fleet.awaitReady("burst-2", 120_000);
      long t0 = System.currentTimeMillis();
      Long killedAt = null;
      for (int i = 0; i < n; i++) {
        r.sub.submit(new JsonObject().put("service", "sim-burst")
          .put("payload", new JsonObject().put("duration_ms", random.nextInt(21)).put("steps", 0)));
        if (LONG && i == n / 2) {
          killedAt = fleet.kill9("burst-1");
          fleet.start("burst-1");
        }
      }
      r.sub.awaitIdle(600_000);
      long submittedIn = System.currentTimeMillis() - t0;
      eventually("every burst job terminal", LONG ? 1_800_000 : 300_000, () -> r.ledger.unfinished(fleet.probe) == 0);
      long doneIn = System.currentTimeMillis() - t0;
      Ledger.Verdict v = finish(r, Ledger.Rules.strict());
      r.s.figure("submit_seconds", String.format("%.1f", submittedIn / 1000.0))
        .figure("submits_per_s", Math.round(n * 1000.0 / submittedIn))
        .figure("all_terminal_seconds", String.format("%.1f", doneIn / 1000.0))
        .figure("jobs_per_s_submit_to_terminal", Math.round(n * 1000.0 / doneIn));
      if (killedAt != null) {
        r.s.note("burst-1 was killed with kill -9 halfway through the submissions and restarted.");
      }
      r.s.timing("submit acknowledgement latency", r.ledger.acks().stream().map(Ledger.Ack::latencyMs).toList());
      end(r, v, () -> assertThat(r.ledger.acked()).isEqualTo(n));
    } finally {
      fleet.remove("burst-1");
      fleet.remove("burst-2");
    }
  }

  // ==========================================================================================
  // scenario plumbing

  /** One scenario under way. */
  private static final class Run {
    Report.Section s;
    Ledger ledger;
    Submitter sub;
    EventFollower follower;
  }

  private Run begin(String name, String title) throws IOException {
    fleet.heal(180_000);
    Run r = new Run();
    r.s = report.begin(name, title);
    String start = newestEventId();
    r.ledger = new Ledger(name, start);
    List<String> apis = fleet.ofRole("api").stream().map(m -> "http://127.0.0.1:" + m.port).toList();
    r.sub = new Submitter(apis, r.ledger, 64);
    r.follower = new EventFollower(apis, r.ledger, start);
    eventually("the SSE client connected", 30_000, () -> r.follower.connects.get() > 0);
    return r;
  }

  /**
   * Stops the load, waits for every acknowledged job to end (generously), lets the SSE client catch
   * up, and checks the invariants.
   */
  private Ledger.Verdict finish(Run r, Ledger.Rules rules) {
    r.sub.stopLoad();
    r.sub.awaitIdle(300_000);
    long deadline = System.currentTimeMillis() + 180_000 + r.ledger.acked() * 20L;
    while (System.currentTimeMillis() < deadline && r.ledger.unfinished(fleet.probe) > 0) {
      Fleet.sleep(500);
    }
    // the SSE client: until it saw every end, or heard nothing for 5 s
    long quietSince = System.currentTimeMillis();
    long last = r.ledger.clientEvents.get();
    while (System.currentTimeMillis() - quietSince < 5_000
      && !r.ledger.acks().stream().allMatch(a -> r.ledger.clientSawTerminal(a.id()))) {
      Fleet.sleep(200);
      if (r.ledger.clientEvents.get() != last) {
        last = r.ledger.clientEvents.get();
        quietSince = System.currentTimeMillis();
      }
    }
    r.follower.close();
    r.sub.close();
    Ledger.BrokerView b = r.ledger.read(fleet.probe);
    Map<String, JsonObject> fetched = getJobs(r.ledger.acks().stream().map(Ledger.Ack::id)
      .filter(id -> !r.ledger.clientSawTerminal(id)).toList());
    Ledger.Verdict v = r.ledger.check(b, rules, fetched::get);
    r.s.verdict(v);
    r.s.figure("submit_refusals", r.sub.refusals.size());
    if (!r.sub.refusals.isEmpty()) {
      r.s.note("first refusal: " + r.sub.refusals.get(0));
    }
    return v;
  }

  private void end(Run r, Ledger.Verdict v, Runnable scenarioAssertions) {
    String outcome = v.held() && r.s.checks.stream().allMatch(c -> c.startsWith("held")) && r.sub.refusals.isEmpty()
      ? "passed" : "FAILED";
    report.end(r.s, outcome);
    assertThat(r.sub.refusals).as("submits refused by the api").isEmpty();
    assertThat(v.held()).as("invariants of " + r.s.name + ":\n" + v.failures()).isTrue();
    scenarioAssertions.run();
  }

  private JsonObject simJob() {
    return new JsonObject().put("service", "simulation")
      .put("payload", new JsonObject().put("duration_ms", 500 + random.nextInt(2_501)).put("steps", 3));
  }

  /** Submits one job and waits for its acknowledgement; returns the id. */
  private String submitAndWait(Run r, JsonObject job) {
    int before = r.ledger.acked();
    r.sub.submit(job);
    eventually("submit acknowledged", 60_000, () -> r.ledger.acked() > before);
    r.sub.awaitIdle(60_000);
    return r.ledger.acks().stream().max(java.util.Comparator.comparingLong(Ledger.Ack::ackAt)).orElseThrow().id();
  }

  /**
   * Waits for a heartbeat of {@code workerId} (its {@code last_seen} changes) that leaves the jobs'
   * ends ({@code firstEnd}..{@code lastEnd}) between 60 ms and 600 ms ahead — sooner than the next
   * heartbeat — and returns true then; false when the window passed (the caller pauses anyway).
   */
  private boolean pauseAfterHeartbeat(String workerId, long firstEnd, long lastEnd) {
    long wait = firstEnd - 1_500 - System.currentTimeMillis();
    if (wait > 0) {
      Fleet.sleep(wait);
    }
    String key = Fleet.prefix() + "worker:" + workerId;
    String seen = fleet.probe.string("HGET", key, "last_seen");
    while (firstEnd - System.currentTimeMillis() > 60) {
      String now = fleet.probe.string("HGET", key, "last_seen");
      if (now != null && !now.equals(seen)) {
        seen = now;
        if (lastEnd - System.currentTimeMillis() <= 600) {
          return true;
        }
      }
      Fleet.sleep(5);
    }
    return false;
  }

  // ---- reading the broker ----

  private String newestEventId() {
    Object r = fleet.probe.call("XREVRANGE", Fleet.prefix() + "events", "+", "-", "COUNT", "1");
    List<?> l = (List<?>) r;
    return l == null || l.isEmpty() ? "0-0" : String.valueOf(((List<?>) l.get(0)).get(0));
  }

  private List<String> heldJobs(String workerId) {
    Object r = fleet.probe.call("SMEMBERS", Fleet.prefix() + "worker:" + workerId + ":jobs");
    List<String> out = new ArrayList<>();
    if (r instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x)));
    }
    return out;
  }

  /** How long a running simulation job has still to go (its payload's duration from its assignment). */
  private long remainingMs(String id) {
    try {
      String payload = fleet.probe.string("GET", Fleet.prefix() + "job:" + id + ":p");
      long assigned = Ledger.num(hget(id, "assigned_at"));
      long duration = payload == null ? 0 : new JsonObject(payload).getLong("duration_ms", 0L);
      return assigned + duration - System.currentTimeMillis();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private String hget(String id, String field) {
    return fleet.probe.string("HGET", Fleet.prefix() + "job:" + id, field);
  }

  private long counter(String name) {
    return Ledger.num(fleet.probe.string("HGET", Fleet.prefix() + "counters", name));
  }

  private List<Ledger.Ev> eventsOf(String job) {
    List<Ledger.Ev> out = new ArrayList<>();
    for (RedisProbe.StreamEntry e : fleet.probe.xrange(Fleet.prefix() + "events", "-", 10_000)) {
      if (job.equals(e.fields().get("job"))) {
        out.add(new Ledger.Ev(e.id(), Long.parseLong(e.id().substring(0, e.id().indexOf('-'))),
          e.fields().getOrDefault("type", ""), e.fields()));
      }
    }
    return out;
  }

  private static java.util.Optional<Long> firstAfter(Ledger.Verdict v, String type, long after) {
    return v.broker.events.values().stream().flatMap(List::stream)
      .filter(e -> e.type().equals(type) && e.ts() >= after).map(Ledger.Ev::ts).min(Long::compare);
  }

  private boolean allAlive() {
    return fleet.members().stream().allMatch(Fleet.Member::alive);
  }

  /** GET /api/jobs/{id} for many jobs, 32 at a time, on whichever api answers. */
  private Map<String, JsonObject> getJobs(List<String> ids) {
    Map<String, JsonObject> out = new ConcurrentHashMap<>();
    Semaphore permits = new Semaphore(32);
    List<String> apis = fleet.ofRole("api").stream().map(m -> "http://127.0.0.1:" + m.port).toList();
    List<CompletableFuture<?>> all = new ArrayList<>();
    int k = 0;
    for (String id : ids) {
      permits.acquireUninterruptibly();
      String api = apis.get(k++ % apis.size());
      all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(api + "/api/jobs/" + id))
          .header("Authorization", "Bearer " + Fleet.TOKEN).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString()).whenComplete((resp, e) -> {
          permits.release();
          if (e == null && resp.statusCode() == 200) {
            out.put(id, new JsonObject(resp.body()));
          }
        }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    return out;
  }

  // ---- recovery times ----

  /** One kill -9 of a worker machine and the jobs it held just before. */
  record Kill(String machine, long at, long deadAt, List<String> held) {
  }

  private static final class Recoveries {
    final List<Long> detect = new ArrayList<>();
    final List<Long> rerun = new ArrayList<>();
    final List<Long> done = new ArrayList<>();
    final Map<String, Long> byReason = new java.util.TreeMap<>();
    final List<String> missed = new ArrayList<>();
    long held;
    long requeued;
    long unexplained;
  }

  /**
   * For each job a killed worker held (and had not finished when the kill landed): kill → its
   * {@code job.queued} (lost / worker_restarted), → its next {@code job.assigned}, → its completion.
   */
  private static Recoveries recoveries(Ledger.Verdict v, List<Kill> kills) {
    Recoveries rec = new Recoveries();
    Set<String> explained = new java.util.HashSet<>();
    for (Kill k : kills) {
      for (String id : k.held()) {
        List<Ledger.Ev> evs = v.broker.events.getOrDefault(id, List.of());
        // a completion sent before SIGKILL landed (Redis ran it between the snapshot and the exit) is no loss
        boolean finishedBefore = evs.stream().anyMatch(e -> e.type().equals("job.completed") && e.ts() <= k.deadAt());
        if (finishedBefore) {
          continue;
        }
        rec.held++;
        Ledger.Ev lost = evs.stream().filter(e -> e.type().equals("job.queued") && e.ts() >= k.at()
          && Ledger.LOSS_REASONS.contains(e.f().get("reason"))).findFirst().orElse(null);
        if (lost == null) {
          rec.missed.add(id + " held by " + k.machine() + " killed at " + k.at() + ": " + evs.stream()
            .filter(e -> e.ts() >= k.at() - 1_000).map(e -> e.type() + "@" + e.ts() + "/" + e.worker()).toList());
          continue;
        }
        rec.requeued++;
        rec.byReason.merge(lost.f().get("reason"), 1L, Long::sum);
        explained.add(lost.id());
        rec.detect.add(lost.ts() - k.at());
        evs.stream().filter(e -> e.type().equals("job.assigned") && e.ts() >= lost.ts()).findFirst()
          .ifPresent(e -> rec.rerun.add(e.ts() - k.at()));
        evs.stream().filter(e -> e.type().equals("job.completed") && e.ts() >= lost.ts()).findFirst()
          .ifPresent(e -> rec.done.add(e.ts() - k.at()));
      }
    }
    rec.unexplained = v.broker.events.values().stream().flatMap(List::stream)
      .filter(e -> e.type().equals("job.queued") && Ledger.LOSS_REASONS.contains(e.f().get("reason")))
      .filter(e -> !explained.contains(e.id())).count();
    return rec;
  }

  // ---- helpers ----

  static void eventually(String what, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // Redis restarting: try again
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + timeoutMs + " ms: " + what);
      }
      Fleet.sleep(200);
    }
  }

  private static long count(String text, String needle) {
    long n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
