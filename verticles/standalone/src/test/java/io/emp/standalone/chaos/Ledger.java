package io.emp.standalone.chaos;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The invariant checker of the chaos suite. It records what clients were told — every submit
 * acknowledgement (the job id the api returned for an idempotency key) and every job event a client
 * received over SSE — and, at the end, reads what the broker recorded: the namespace's event stream
 * ({@code XRANGE}) and each job's hash. {@link #check} then states, per invariant, whether it held:
 *
 * <ul>
 *   <li><b>acknowledged → terminal</b>: every acknowledged job is completed (or failed as poison);
 *       none is missing — except, when the scenario declares a loss window (Redis AOF
 *       {@code everysec}), jobs acknowledged inside it, which are counted and reported;</li>
 *   <li><b>clients saw the end</b>: the terminal state reached the client, over SSE or GET;</li>
 *   <li><b>completed once</b>: at most one {@code job.completed} per job in the stream, exactly one
 *       for a completed job; a client never received two different completions;</li>
 *   <li><b>completed by the lease holder</b>: each {@code job.completed} names the worker of the
 *       job's latest {@code job.assigned} — a fenced-out worker's late result was never accepted;</li>
 *   <li><b>transitions chain</b>: every transition's {@code prev} is the status the previous
 *       transition left, starting from {@code job.submitted} — the stream is the job's history;</li>
 *   <li><b>attempts not burned by machine loss</b>: a completed job has {@code failures = 0}, and its
 *       {@code losses} equals its {@code job.queued} events of reason {@code lost} /
 *       {@code worker_restarted};</li>
 *   <li><b>no duplicate jobs</b>: an idempotency key was acknowledged with one id only, and the broker
 *       holds no job of the scenario that no client was acknowledged;</li>
 *   <li><b>SSE exactly once</b>: no event id reached the client twice across reconnects.</li>
 * </ul>
 */
final class Ledger {
  static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled");
  static final Set<String> LOSS_REASONS = Set.of("lost", "worker_restarted");

  /** The customer id of the scenario's jobs: it tags them in the event stream. */
  final String tag;
  /** Stream id before the scenario's first submit. */
  final String startId;
  final long startedAt = System.currentTimeMillis();

  private final Map<String, Ack> acks = new ConcurrentHashMap<>();
  private final Map<String, String> keyOfId = new ConcurrentHashMap<>();
  private final List<String> runViolations = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Set<String> deliveredEventIds = ConcurrentHashMap.newKeySet();
  private final Map<String, ClientView> client = new ConcurrentHashMap<>();
  final AtomicLong duplicateDeliveries = new AtomicLong();
  final AtomicLong clientEvents = new AtomicLong();
  final AtomicLong resets = new AtomicLong();

  /** One acknowledged submission. */
  record Ack(String key, String id, long firstTryAt, long ackAt, int tries, boolean duplicate) {
    long latencyMs() {
      return ackAt - firstTryAt;
    }
  }

  /** What the SSE client saw of one job. */
  static final class ClientView {
    final Set<String> completedEventIds = ConcurrentHashMap.newKeySet();
    volatile String terminal;
  }

  Ledger(String tag, String startId) {
    this.tag = tag;
    this.startId = startId;
  }

  // ---- recording ----

  void ack(String key, String id, long firstTryAt, long ackAt, int tries, boolean duplicate) {
    Ack a = new Ack(key, id, firstTryAt, ackAt, tries, duplicate);
    Ack before = acks.putIfAbsent(key, a);
    if (before != null && !before.id().equals(id)) {
      runViolations.add("idempotency key " + key + " acknowledged as " + before.id() + " and as " + id);
    }
    String otherKey = keyOfId.putIfAbsent(id, key);
    if (otherKey != null && !otherKey.equals(key)) {
      runViolations.add("job " + id + " acknowledged for two keys " + otherKey + " and " + key);
    }
  }

  /** A job event delivered to a client (SSE). */
  void clientEvent(String eventId, String type, String job) {
    clientEvents.incrementAndGet();
    if (eventId != null && !deliveredEventIds.add(eventId)) {
      duplicateDeliveries.incrementAndGet();
      return;
    }
    if (job == null) {
      return;
    }
    ClientView v = client.computeIfAbsent(job, j -> new ClientView());
    if (type.equals("job.completed")) {
      v.completedEventIds.add(eventId);
    }
    if (type.equals("job.completed") || type.equals("job.failed") || type.equals("job.cancelled")) {
      v.terminal = type.substring(4);
    }
  }

  Collection<Ack> acks() {
    return acks.values();
  }

  int acked() {
    return acks.size();
  }

  boolean clientSawTerminal(String job) {
    ClientView v = client.get(job);
    return v != null && v.terminal != null;
  }

  // ---- what the broker recorded ----

  /** One event of the stream. */
  record Ev(String id, long ts, String type, Map<String, String> f) {
    String job() {
      return f.get("job");
    }

    String status() {
      return f.get("status");
    }

    String prev() {
      return f.get("prev");
    }

    String worker() {
      return f.get("worker");
    }
  }

  /** The broker's side, read at the end: job events by job, and the job hashes. */
  static final class BrokerView {
    final Map<String, List<Ev>> events = new HashMap<>();
    final Map<String, Map<String, String>> jobs = new HashMap<>();
    long streamEntries;
  }

  static final String[] JOB_FIELDS = {"status", "failures", "losses", "worker", "fail_reason", "customer_id", "claims"};

  /** Reads every event after {@link #startId} and the hash of every job the scenario knows of. */
  BrokerView read(RedisProbe redis) {
    BrokerView b = new BrokerView();
    for (RedisProbe.StreamEntry e : redis.xrange(Fleet.prefix() + "events", startId, 10_000)) {
      b.streamEntries++;
      String job = e.fields().get("job");
      if (job == null) {
        continue;
      }
      int dash = e.id().indexOf('-');
      b.events.computeIfAbsent(job, j -> new ArrayList<>())
        .add(new Ev(e.id(), Long.parseLong(e.id().substring(0, dash)), e.fields().getOrDefault("type", ""), e.fields()));
    }
    Set<String> ids = new java.util.LinkedHashSet<>(keyOfId.keySet());
    b.events.forEach((job, evs) -> {
      if (evs.stream().anyMatch(e -> e.type().equals("job.submitted") && tag.equals(e.f().get("customer")))) {
        ids.add(job);
      }
    });
    List<String> order = new ArrayList<>(ids);
    List<String[]> cmds = new ArrayList<>();
    for (String id : order) {
      String[] c = new String[JOB_FIELDS.length + 2];
      c[0] = "HMGET";
      c[1] = Fleet.prefix() + "job:" + id;
      System.arraycopy(JOB_FIELDS, 0, c, 2, JOB_FIELDS.length);
      cmds.add(c);
    }
    List<Object> replies = redis.pipeline(cmds);
    for (int i = 0; i < order.size(); i++) {
      List<?> vals = (List<?>) replies.get(i);
      Map<String, String> h = new LinkedHashMap<>();
      for (int k = 0; k < JOB_FIELDS.length; k++) {
        if (vals.get(k) != null) {
          h.put(JOB_FIELDS[k], vals.get(k).toString());
        }
      }
      if (!h.isEmpty()) {
        b.jobs.put(order.get(i), h);
      }
    }
    return b;
  }

  /** How many acknowledged jobs are not terminal yet in the broker (pipelined HGET). */
  int unfinished(RedisProbe redis) {
    List<String> ids = new ArrayList<>(keyOfId.keySet());
    List<String[]> cmds = ids.stream().map(id -> new String[] {"HGET", Fleet.prefix() + "job:" + id, "status"}).toList();
    int n = 0;
    for (Object r : redis.pipeline(cmds)) {
      if (r == null || !TERMINAL.contains(r.toString())) {
        n++;
      }
    }
    return n;
  }

  // ---- the verdict ----

  /** What the scenario tolerates. */
  static final class Rules {
    /** Acknowledged jobs may be missing when acknowledged at or after this time (epoch ms); MAX = never. */
    long lossWindowFrom = Long.MAX_VALUE;
    long lossWindowTo = Long.MAX_VALUE;
    int poisonLosses = 10;

    static Rules strict() {
      return new Rules();
    }

    Rules lossWindow(long from, long to) {
      lossWindowFrom = from;
      lossWindowTo = to;
      return this;
    }
  }

  /** The result of one invariant. */
  record Result(String name, boolean held, long checked, List<String> violations) {
    String summary() {
      return (held ? "held" : "VIOLATED") + " (" + checked + " checked"
        + (violations.isEmpty() ? "" : ", " + violations.size() + " violation(s): " + String.join("; ",
        violations.subList(0, Math.min(5, violations.size())))) + ")";
    }
  }

  /** Every invariant's result and the figures behind them. */
  static final class Verdict {
    final List<Result> results = new ArrayList<>();
    final Map<String, Object> figures = new LinkedHashMap<>();
    BrokerView broker;

    boolean held() {
      return results.stream().allMatch(Result::held);
    }

    String failures() {
      StringBuilder b = new StringBuilder();
      results.stream().filter(r -> !r.held()).forEach(r -> b.append(r.name()).append(": ").append(r.summary()).append('\n'));
      return b.toString();
    }
  }

  /**
   * Checks every invariant against the broker's records.
   *
   * @param getJob the client's GET /api/jobs/{id} (null when the job is unknown), used for jobs whose
   *               end the SSE client did not see
   */
  Verdict check(BrokerView b, Rules rules, Function<String, JsonObject> getJob) {
    Verdict v = new Verdict();
    v.broker = b;
    List<String> terminalViol = new ArrayList<>();
    List<String> clientViol = new ArrayList<>();
    List<String> onceViol = new ArrayList<>();
    List<String> holderViol = new ArrayList<>();
    List<String> chainViol = new ArrayList<>();
    List<String> attemptViol = new ArrayList<>();
    List<String> dupViol = new ArrayList<>(runViolations);
    long lostInWindow = 0;
    long poisoned = 0;
    long totalLosses = 0;
    long jobsWithLoss = 0;
    long completed = 0;
    long viaGet = 0;
    List<String> lostIds = new ArrayList<>();

    for (Ack a : acks.values()) {
      Map<String, String> h = b.jobs.get(a.id());
      List<Ev> evs = b.events.getOrDefault(a.id(), List.of());
      if (h == null) {
        if (a.ackAt() >= rules.lossWindowFrom && a.firstTryAt() <= rules.lossWindowTo) {
          lostInWindow++;
          lostIds.add(a.id());
        } else {
          terminalViol.add(a.id() + " acknowledged at " + a.ackAt() + " is missing (" + evs.size() + " events)");
        }
        continue;
      }
      String status = h.get("status");
      if ("completed".equals(status)) {
        completed++;
      } else if ("failed".equals(status) && "poison".equals(h.get("fail_reason"))) {
        poisoned++;
        if (num(h.get("losses")) < rules.poisonLosses) {
          terminalViol.add(a.id() + " poisoned after only " + h.get("losses") + " losses");
        }
      } else {
        terminalViol.add(a.id() + " is " + status + (h.get("fail_reason") == null ? "" : " (" + h.get("fail_reason") + ")"));
      }

      // clients saw the end
      if (TERMINAL.contains(status)) {
        ClientView cv = client.get(a.id());
        String seen = cv == null ? null : cv.terminal;
        if (seen == null) {
          viaGet++;
          JsonObject j = getJob.apply(a.id());
          seen = j == null ? null : j.getString("status");
        }
        if (!status.equals(seen)) {
          clientViol.add(a.id() + " is " + status + " but the client saw " + seen);
        }
        if (cv != null && cv.completedEventIds.size() > 1) {
          onceViol.add(a.id() + " reached the client as completed " + cv.completedEventIds.size() + " times " + cv.completedEventIds);
        }
      }

      // completed once, by the lease holder
      long completions = evs.stream().filter(e -> e.type().equals("job.completed")).count();
      if (completions > 1 || ("completed".equals(status) && completions != 1)) {
        onceViol.add(a.id() + " has " + completions + " job.completed events (status " + status + ")");
      }
      String holder = null;
      String last = null;
      long losses = 0;
      long retries = 0;
      for (Ev e : evs) {
        switch (e.type()) {
          case "job.assigned" -> holder = e.worker();
          case "job.completed" -> {
            if (holder == null || !holder.equals(e.worker())) {
              holderViol.add(a.id() + " completed by " + e.worker() + " while " + holder + " held it (" + e.id() + ")");
            }
            if (!"assigned".equals(e.prev()) && !"running".equals(e.prev())) {
              holderViol.add(a.id() + " completed from " + e.prev());
            }
          }
          case "job.queued" -> {
            holder = null;
            if (LOSS_REASONS.contains(e.f().get("reason"))) {
              losses++;
            }
          }
          case "job.retry_scheduled" -> {
            holder = null;
            retries++;
          }
          default -> {
            // progress, running, submitted: no change of holder
          }
        }
        if (e.type().equals("job.progress")) {
          continue;
        }
        if (e.type().equals("job.submitted")) {
          if (last != null) {
            chainViol.add(a.id() + " submitted twice");
          }
        } else if (last == null) {
          chainViol.add(a.id() + " history starts with " + e.type() + " (no job.submitted)");
        } else if (!last.equals(e.prev())) {
          chainViol.add(a.id() + " " + e.type() + " " + e.id() + " from " + e.prev() + " but it was " + last);
        }
        last = e.status();
      }
      if (last != null && !last.equals(status)) {
        chainViol.add(a.id() + " last event left it " + last + " but it is " + status);
      }

      // attempts not burned by machine loss
      long failures = num(h.get("failures"));
      long hashLosses = num(h.get("losses"));
      totalLosses += hashLosses;
      if (hashLosses > 0) {
        jobsWithLoss++;
      }
      if ("completed".equals(status) && (failures != 0 || retries != 0)) {
        attemptViol.add(a.id() + " completed with failures=" + failures + " after " + retries + " retries (losses " + hashLosses + ")");
      }
      if (hashLosses != losses) {
        attemptViol.add(a.id() + " losses=" + hashLosses + " but " + losses + " loss events");
      }
    }

    // no duplicate jobs: every job of the scenario in the broker was acknowledged to a client
    for (String job : b.jobs.keySet()) {
      if (!keyOfId.containsKey(job)) {
        dupViol.add(job + " exists (" + b.jobs.get(job).get("status") + ") but no client was acknowledged it");
      }
    }
    for (Map.Entry<String, List<Ev>> e : b.events.entrySet()) {
      if (!keyOfId.containsKey(e.getKey()) && !b.jobs.containsKey(e.getKey()) && e.getValue().stream()
        .anyMatch(x -> x.type().equals("job.submitted") && tag.equals(x.f().get("customer")))) {
        dupViol.add(e.getKey() + " was submitted (event) but no client was acknowledged it");
      }
    }

    long n = acks.size();
    v.results.add(new Result("acknowledged jobs reach a terminal state", terminalViol.isEmpty(), n, terminalViol));
    v.results.add(new Result("clients see the terminal state (SSE or GET)", clientViol.isEmpty(), n, clientViol));
    v.results.add(new Result("no job completes twice", onceViol.isEmpty(), n, onceViol));
    v.results.add(new Result("only the lease holder completes (fenced results refused)", holderViol.isEmpty(), n, holderViol));
    v.results.add(new Result("event history is a gapless chain of transitions", chainViol.isEmpty(), n, chainViol));
    v.results.add(new Result("machine loss burns no attempt", attemptViol.isEmpty(), n, attemptViol));
    v.results.add(new Result("no duplicate or unacknowledged jobs (idempotent submission)", dupViol.isEmpty(), n, dupViol));
    List<String> sse = duplicateDeliveries.get() == 0 ? List.of()
      : List.of(duplicateDeliveries.get() + " event(s) delivered twice to the SSE client");
    v.results.add(new Result("SSE delivers each event once across reconnects", sse.isEmpty(), clientEvents.get(), sse));

    v.figures.put("acknowledged", n);
    v.figures.put("completed", completed);
    v.figures.put("poisoned", poisoned);
    v.figures.put("lost_in_documented_window", lostInWindow);
    if (!lostIds.isEmpty()) {
      v.figures.put("lost_ids", lostIds.subList(0, Math.min(10, lostIds.size())));
    }
    v.figures.put("jobs_with_machine_loss", jobsWithLoss);
    v.figures.put("machine_losses", totalLosses);
    v.figures.put("resubmitted_acks_deduplicated", acks.values().stream().filter(Ack::duplicate).count());
    v.figures.put("submit_retries", acks.values().stream().mapToLong(a -> a.tries() - 1).sum());
    v.figures.put("sse_events_received", clientEvents.get());
    v.figures.put("sse_resets", resets.get());
    v.figures.put("terminal_states_read_by_get", viaGet);
    v.figures.put("stream_entries_read", b.streamEntries);
    return v;
  }

  static long num(String s) {
    if (s == null || s.isEmpty()) {
      return 0;
    }
    return (long) Double.parseDouble(s);
  }
}
