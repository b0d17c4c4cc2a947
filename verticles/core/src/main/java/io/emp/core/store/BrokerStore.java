package io.emp.core.store;

import io.emp.core.Keys;
import io.emp.core.Ulid;
import io.emp.core.model.ClaimedJob;
import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.core.model.JobSubmission;
import io.emp.core.model.Results.Failed;
import io.emp.core.model.Results.Heartbeat;
import io.emp.core.model.Results.JobPage;
import io.emp.core.model.Results.LostJob;
import io.emp.core.model.Results.Pruned;
import io.emp.core.model.Results.Reaped;
import io.emp.core.model.Results.Registered;
import io.emp.core.model.Results.Submitted;
import io.emp.core.model.WorkerCapabilities;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java face of the function library {@code emp}: one method per function, in the argument order
 * of its header (docs/redis-functions.md). Every method returns a Future; expected refusals fail it
 * with a {@link BrokerException} carrying the {@link BrokerError}. Safe to share between verticles:
 * it holds no state besides the pooled client and the id generator.
 */
public final class BrokerStore {
  private final Redis redis;
  private final Keys keys;
  private final Ulid ids;

  public BrokerStore(Redis redis, Keys keys) {
    this(redis, keys, new Ulid());
  }

  public BrokerStore(Redis redis, Keys keys, Ulid ids) {
    this.redis = redis;
    this.keys = keys;
    this.ids = ids;
  }

  public Keys keys() {
    return keys;
  }

  public Redis redis() {
    return redis;
  }

  /** Sets namespace configuration values (names as in {@code emp_configure}). */
  public Future<Void> configure(Map<String, ? extends Number> values) {
    List<String> args = new ArrayList<>();
    values.forEach((k, v) -> {
      args.add(k);
      args.add(v instanceof Double || v instanceof Float ? String.valueOf(v.doubleValue()) : String.valueOf(v.longValue()));
    });
    return call("emp_configure", args).mapEmpty();
  }

  /** Registers a worker; jobs a previous incarnation still held are requeued as lost. */
  public Future<Registered> registerWorker(String workerId, String machineId, WorkerCapabilities caps, int slots,
                                           Long leaseMs) {
    return call("emp_register_worker", List.of(workerId, machineId, caps.encode(), String.valueOf(slots),
      leaseMs == null ? "" : String.valueOf(leaseMs)))
      .map(r -> new Registered(r.get(1).toLong(), r.get(2).toInteger()));
  }

  /**
   * Replaces a worker's capability document (e.g. a backend went down: its service is withdrawn)
   * without touching its jobs, and records its connectors' status ({@code null} = unchanged).
   */
  public Future<Void> updateWorker(String workerId, WorkerCapabilities caps, JsonObject connectors) {
    return call("emp_update_worker", List.of(workerId, caps.encode(), connectors == null ? "" : connectors.encode()))
      .mapEmpty();
  }

  /** A worker leaves: its jobs return to the queue without burning attempts. Returns how many. */
  public Future<Integer> deregister(String workerId) {
    return call("emp_deregister", List.of(workerId)).map(r -> r.get(1).toInteger());
  }

  /**
   * Renews presence and leases. {@code running} maps job id to token for the jobs the worker is
   * executing; null renews every job the worker holds.
   */
  public Future<Heartbeat> heartbeat(String workerId, Map<String, String> running) {
    List<String> args = new ArrayList<>();
    args.add(workerId);
    if (running == null) {
      args.add("*");
    } else {
      running.forEach((id, token) -> {
        args.add(id);
        args.add(token);
      });
    }
    return call("emp_heartbeat", args).map(r -> {
      List<LostJob> lost = new ArrayList<>();
      Response l = r.get(2);
      for (int i = 0; i + 1 < l.size(); i += 2) {
        lost.add(new LostJob(l.get(i).toString(), l.get(i + 1).toString()));
      }
      return new Heartbeat(strings(r.get(1)), lost, r.get(3).toLong());
    });
  }

  /** Submits a validated job under a fresh time-ordered id. */
  public Future<Submitted> submit(JobSubmission s) {
    return call("emp_submit", List.of(ids.next(), s.specJson().encode(), s.payload().encode()))
      .map(r -> new Submitted(r.get(1).toString(), JobStatus.fromWire(r.get(2).toString()), r.get(3).toInteger() == 1));
  }

  /** Leases up to {@code max} jobs; {@code wait} marks the worker idle when fewer are found. */
  public Future<List<ClaimedJob>> claim(String workerId, int max, boolean wait) {
    return call("emp_claim", List.of(workerId, String.valueOf(max), wait ? "1" : "0")).map(r -> {
      List<ClaimedJob> out = new ArrayList<>(r.size() - 1);
      for (int i = 1; i < r.size(); i++) {
        Response c = r.get(i);
        String id = c.get(0).toString();
        Job job = Job.fromFields(id, fields(c.get(4)), c.get(3).toString(), null);
        out.add(new ClaimedJob(id, c.get(1).toString(), c.get(2).toLong(), job));
      }
      return out;
    });
  }

  /** Reports progress (0–100); completes with true when a cancel was requested. */
  public Future<Boolean> progress(String jobId, String workerId, String token, double progress, String message) {
    return call("emp_progress", List.of(jobId, workerId, token, String.valueOf(progress), message == null ? "" : message))
      .map(r -> r.get(1).toInteger() == 1);
  }

  public Future<Void> complete(String jobId, String workerId, String token, String resultJson) {
    return call("emp_complete", List.of(jobId, workerId, token, resultJson == null ? "" : resultJson)).mapEmpty();
  }

  public Future<Failed> fail(String jobId, String workerId, String token, String error, boolean retryable) {
    return fail(jobId, workerId, token, error, retryable, null);
  }

  /** A failed attempt; {@code reason} (e.g. {@code timeout}) is recorded when this ends the job. */
  public Future<Failed> fail(String jobId, String workerId, String token, String error, boolean retryable,
                             String reason) {
    return fail(jobId, workerId, token, error, retryable, reason, null);
  }

  /**
   * A failed attempt whose retry must not come sooner than {@code minDelayMs} (the backend's
   * Retry-After; capped at an hour by the library); null = the job's backoff alone.
   */
  public Future<Failed> fail(String jobId, String workerId, String token, String error, boolean retryable,
                             String reason, Long minDelayMs) {
    return call("emp_fail", List.of(jobId, workerId, token, error == null ? "" : error, retryable ? "1" : "0",
      reason == null ? "" : reason, minDelayMs == null ? "" : String.valueOf(minDelayMs)))
      .map(r -> {
        String due = r.get(2).toString();
        return new Failed(JobStatus.fromWire(r.get(1).toString()), due.isEmpty() ? null : Long.parseLong(due));
      });
  }

  /** Gives a held job back without burning an attempt; completes with its new status. */
  public Future<JobStatus> release(String jobId, String workerId, String token, String reason) {
    return call("emp_release", List.of(jobId, workerId, token, reason == null ? "" : reason))
      .map(r -> JobStatus.fromWire(r.get(1).toString()));
  }

  public Future<Reaped> reap(int max) {
    return reap(max, 0);
  }

  /**
   * Acts on expired leases; with {@code silenceMs} > 0, a lease that expired while the reaper or the whole
   * fleet had not reached Redis for that long (an outage) is extended once instead of requeued
   * (docs/redis-functions.md#emp_reap).
   */
  public Future<Reaped> reap(int max, long silenceMs) {
    return call("emp_reap", List.of(String.valueOf(max), String.valueOf(Math.max(0, silenceMs))))
      .map(r -> new Reaped(r.get(1).toInteger(), r.get(2).toInteger(), r.get(3).toInteger(), r.get(4).toInteger(),
        r.get(5).toInteger(), r.size() > 6 ? r.get(6).toInteger() : 0));
  }

  public Future<Integer> promote(int max) {
    return call("emp_promote", List.of(String.valueOf(max))).map(r -> r.get(1).toInteger());
  }

  /** Completes with {@code cancelled} (it was waiting) or {@code cancel_requested} (a worker holds it). */
  public Future<String> cancel(String jobId) {
    return call("emp_cancel", List.of(jobId)).map(r -> r.get(1).toString());
  }

  public Future<Void> retry(String jobId) {
    return call("emp_retry", List.of(jobId)).mapEmpty();
  }

  public Future<Job> getJob(String jobId) {
    return getJobSnapshot(jobId).map(JobSnapshot::job);
  }

  /**
   * The job and the newest event id of the namespace, read in one atomic call: every event after
   * that id is a change the job snapshot does not contain yet (what an SSE stream needs).
   */
  public Future<JobSnapshot> getJobSnapshot(String jobId) {
    return callReadOnly("emp_get_job", List.of(jobId)).map(r -> {
      String newest = r.get(4).toString();
      return new JobSnapshot(Job.fromFields(jobId, fields(r.get(3)), r.get(1).toString(), r.get(2).toString()),
        newest.isEmpty() ? null : newest);
    });
  }

  /** A job and the newest event id at the moment it was read (null when the stream is empty). */
  public record JobSnapshot(Job job, String newestEventId) {
  }

  /** One page of jobs, newest first; {@code status}, {@code cursor} and {@code service} may be null. */
  public Future<JobPage> listJobs(String status, String cursor, int limit, String service) {
    return listJobs(status, cursor, limit, service, null);
  }

  /** As above, only {@code customer}'s jobs when it is not null (a token bound to a customer). */
  public Future<JobPage> listJobs(String status, String cursor, int limit, String service, String customer) {
    return callReadOnly("emp_list_jobs", List.of(nz(status), nz(cursor), String.valueOf(limit), nz(service),
        nz(customer)))
      .map(r -> {
        List<Job> jobs = new ArrayList<>();
        for (int i = 2; i < r.size(); i++) {
          Response e = r.get(i);
          if (e.get(1).size() > 0) { // the job expired between index and read
            jobs.add(Job.fromFields(e.get(0).toString(), fields(e.get(1)), null, null));
          }
        }
        String next = r.get(1).toString();
        return new JobPage(jobs, next.isEmpty() ? null : next);
      });
  }

  /** The namespace's statistics document (see {@code emp_stats}). */
  public Future<JsonObject> stats() {
    return callReadOnly("emp_stats", List.of()).map(r -> new JsonObject(r.get(1).toString()));
  }

  /**
   * The worker registry (of one machine, or all when {@code machineId} is null), each with derived
   * {@code status} (online, stale, offline, left), held job ids and capabilities.
   */
  public Future<io.vertx.core.json.JsonArray> workers(String machineId) {
    return callReadOnly("emp_workers", List.of(nz(machineId)))
      .map(r -> new io.vertx.core.json.JsonArray(r.get(1).toString()));
  }

  /**
   * Which live workers can run a job and, for each that cannot, the first rule it fails
   * ({@code {job, sig, service, pool, workers: [{id, machine, status, match, reason}]}}).
   */
  public Future<JsonObject> explain(String jobId) {
    return callReadOnly("emp_explain", List.of(jobId)).map(r -> new JsonObject(r.get(1).toString()));
  }

  /**
   * Everything a monitor shows, read in one atomic call together with the newest event id: applying
   * the events after {@link Snapshot#eventId()} to it loses nothing and repeats nothing.
   *
   * @param active   jobs per active status (queued, delayed, assigned, running), newest first, 1-5000
   * @param finished jobs per finished status (completed, failed, cancelled), newest first, 1-5000
   */
  public Future<Snapshot> snapshot(int active, int finished) {
    return callReadOnly("emp_snapshot", List.of(String.valueOf(active), String.valueOf(finished))).map(r -> {
      List<Job> jobs = new ArrayList<>();
      for (int i = 6; i < r.size(); i++) {
        Response e = r.get(i);
        if (e.get(1).size() > 0) {
          jobs.add(Job.fromFields(e.get(0).toString(), fields(e.get(1)), null, null));
        }
      }
      String newest = r.get(1).toString();
      return new Snapshot(newest.isEmpty() ? "0-0" : newest, new JsonObject(r.get(2).toString()),
        new io.vertx.core.json.JsonArray(r.get(3).toString()), new io.vertx.core.json.JsonArray(r.get(4).toString()),
        new JsonObject(r.get(5).toString()), jobs);
    });
  }

  /** The monitor's view of a namespace and the stream id it is consistent with ({@code 0-0}: no event yet). */
  public record Snapshot(String eventId, JsonObject stats, io.vertx.core.json.JsonArray workers,
    io.vertx.core.json.JsonArray machines, JsonObject durations, List<Job> jobs) {
  }

  /** The duration model: run-time statistics per job class (docs/pools-and-models.md). */
  public Future<JsonObject> durations() {
    return callReadOnly("emp_durations", List.of()).map(r -> new JsonObject(r.get(1).toString()));
  }

  /** Sets the namespace's pool policy ({@code null} clears it); refused with the field named when invalid. */
  public Future<Void> setPools(JsonObject policy) {
    return call("emp_set_pools", List.of(policy == null ? "" : policy.encode())).mapEmpty();
  }

  /** Model catalog, machine inventories and hourly demand of the last {@code hours} (1-192). */
  public Future<JsonObject> models(int hours) {
    return callReadOnly("emp_models", List.of(String.valueOf(hours))).map(r -> new JsonObject(r.get(1).toString()));
  }

  /**
   * The models each job requires ({@code requirements.models} of its routing signature), read with
   * plain HGET/HMGET, no function call: job id → model names (empty when the job needs none or is
   * gone). Read-only; the machine's model manager uses it to know which models its held jobs use.
   */
  public Future<Map<String, List<String>>> jobModels(Collection<String> jobIds) {
    List<String> ids = List.copyOf(jobIds);
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<Request> reads = ids.stream().map(id -> Request.cmd(Command.HGET).arg(keys.job(id)).arg("sig")).toList();
    return redis.batch(reads).compose(sigs -> {
      List<String> distinct = new ArrayList<>();
      for (Response r : sigs) {
        if (r != null && !distinct.contains(r.toString())) {
          distinct.add(r.toString());
        }
      }
      if (distinct.isEmpty()) {
        return Future.succeededFuture(emptyModels(ids));
      }
      Request hmget = Request.cmd(Command.HMGET).arg(keys.signatureDescriptors());
      distinct.forEach(hmget::arg);
      return redis.send(hmget).map(descs -> {
        Map<String, List<String>> bySig = new HashMap<>();
        for (int i = 0; i < distinct.size(); i++) {
          bySig.put(distinct.get(i), descriptorModels(descs.get(i)));
        }
        Map<String, List<String>> out = emptyModels(ids);
        for (int i = 0; i < ids.size(); i++) {
          Response sig = sigs.get(i);
          if (sig != null) {
            out.put(ids.get(i), bySig.getOrDefault(sig.toString(), List.of()));
          }
        }
        return out;
      });
    });
  }

  private static Map<String, List<String>> emptyModels(List<String> ids) {
    Map<String, List<String>> out = new HashMap<>();
    ids.forEach(id -> out.put(id, List.of()));
    return out;
  }

  private static List<String> descriptorModels(Response desc) {
    if (desc == null) {
      return List.of();
    }
    try {
      Object r = new JsonObject(desc.toString()).getValue("r");
      if (r instanceof JsonObject req && req.getValue("models") instanceof io.vertx.core.json.JsonArray models) {
        List<String> out = new ArrayList<>();
        models.forEach(m -> out.add(String.valueOf(m)));
        return out;
      }
    } catch (RuntimeException ignored) {
      // a malformed descriptor requires nothing we can name
    }
    return List.of();
  }

  public Future<Pruned> prune(int max) {
    return call("emp_prune", List.of(String.valueOf(max)))
      .map(r -> new Pruned(r.get(1).toInteger(), r.get(2).toInteger(), r.get(3).toInteger()));
  }

  private Future<Response> call(String function, List<String> args) {
    return send(Command.FCALL, function, args);
  }

  private Future<Response> callReadOnly(String function, List<String> args) {
    return send(Command.FCALL_RO, function, args);
  }

  private Future<Response> send(Command cmd, String function, List<String> args) {
    return send(redis, keys, cmd, function, args);
  }

  /** One FCALL/FCALL_RO of the library with KEYS[1] = the namespace prefix; refusals fail the future. */
  static Future<Response> send(Redis redis, Keys keys, Command cmd, String function, List<String> args) {
    Request req = Request.cmd(cmd).arg(function).arg(1).arg(keys.prefix());
    for (String a : args) {
      req.arg(a);
    }
    return redis.send(req).map(BrokerStore::checked);
  }

  /** Maps a library reply's status code; a non-zero code becomes a failed future. */
  static Response checked(Response r) {
    int code = r.get(0).toInteger();
    if (code != 0) {
      long retryAfter = r.size() > 3 && r.get(3) != null ? r.get(3).toLong() : 0;
      throw new BrokerException(BrokerError.fromCode(code), r.get(1).toString(), r.get(2).toString(), retryAfter);
    }
    return r;
  }

  static Map<String, String> fields(Response flat) {
    Map<String, String> m = new HashMap<>(flat.size());
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      m.put(flat.get(i).toString(), flat.get(i + 1).toString());
    }
    return m;
  }

  private static List<String> strings(Response r) {
    List<String> out = new ArrayList<>(r.size());
    for (Response e : r) {
      out.add(e.toString());
    }
    return out;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
