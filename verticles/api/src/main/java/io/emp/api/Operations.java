package io.emp.api;

import io.emp.core.events.BrokerEvent;
import io.emp.core.metrics.Metrics;
import io.emp.core.model.Job;
import io.emp.core.store.BrokerStore;
import io.emp.core.model.Results.Submitted;
import io.emp.core.store.MachineRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What an operator may do, as the api's HTTP routes do it: the one code path (validation included)
 * shared by the api and the monitor's command RPC. Every refusal is a failed future that
 * {@link #error(Throwable)} turns into the api's error object.
 */
public final class Operations {
  /** Stream entries read at most to collect one job's history (about 10 ms of Redis time in pages). */
  static final long HISTORY_SCAN = 50_000;
  static final int HISTORY_KEEP = 200;

  private final Jobs jobs;
  private final MachineOps machines;
  private final EventLog events;

  Operations(Jobs jobs, MachineOps machines, EventLog events) {
    this.jobs = jobs;
    this.machines = machines;
    this.events = events;
  }

  /** Operations over one namespace's store, for a role other than the api (the monitor). */
  public static Operations create(Vertx vertx, BrokerStore store, long maxPayloadBytes, long commandTimeoutMs) {
    return new Operations(new Jobs(store, maxPayloadBytes, new ApiMetrics(Metrics.registry())),
      new MachineOps(vertx, store, new MachineRegistry(store.redis(), store.keys()), commandTimeoutMs),
      new EventLog(store.redis(), store.keys()));
  }

  /** Validates and submits one job ({@code POST /api/jobs} body). */
  public Future<Submitted> submit(JsonObject body) {
    return jobs.submit(body);
  }

  /** As the api does for {@code who}: the job records the caller; a customer-bound token submits for it only. */
  public Future<Submitted> submit(JsonObject body, io.emp.core.auth.Principal who) {
    return jobs.submit(body, who);
  }

  /** Cancel by {@code who}: any job with {@code operate}, its own customer's with {@code submit}. */
  public Future<String> cancel(String id, io.emp.core.auth.Principal who) {
    return jobs.cancel(id, who);
  }

  /** Completes with {@code cancelled} or {@code cancel_requested}. */
  public Future<String> cancel(String id) {
    return jobs.cancel(id);
  }

  public Future<Void> retry(String id) {
    return jobs.retry(id);
  }

  /** One job with payload and result. */
  public Future<Job> job(String id) {
    return jobs.get(id);
  }

  /**
   * The job's events still in the stream, oldest first: read from its submission time, at most
   * {@value #HISTORY_SCAN} stream entries, the newest {@value #HISTORY_KEEP} kept.
   */
  public Future<List<BrokerEvent>> history(Job job) {
    return events.jobEventsAfter(Math.max(0, job.submittedAt() - 1) + "-0", job.id(), HISTORY_SCAN, HISTORY_KEEP);
  }

  /** Machines with status documents and workers ({@code id} null = all). */
  public Future<JsonArray> machines(String id) {
    return machines.list(id);
  }

  public Future<JsonObject> deleteMachine(String id) {
    return machines.delete(id);
  }

  /** {@code restart_machine} or {@code drain}. */
  public Future<JsonObject> machineCommand(String id, String command) {
    return machines.command(id, command);
  }

  /** {@code restart_service}, {@code stop_service} or {@code start_service}. */
  public Future<JsonObject> serviceCommand(String id, String service, String command) {
    return machines.serviceCommand(id, service, command);
  }

  /** The last {@code lines} (1-5000) of a service's log, from its machine's supervisor. */
  public Future<JsonObject> tailLogs(String id, String service, int lines) {
    return machines.logs(id, service, lines);
  }

  /**
   * The registry's workers as the api shows them: list fields always arrays (the library's JSON
   * encoder writes an empty Lua table as {@code {}}).
   */
  public static JsonArray normalizedWorkers(JsonArray workers) {
    return Machines.normalized(workers);
  }

  /**
   * A machine of {@code emp_machines} as the api shows it, given its workers: {@code doc} always an
   * object, and a machine without a supervisor as alive as its most alive worker.
   */
  public static JsonObject machineView(JsonObject machine, JsonArray ownWorkers) {
    JsonObject m = machine.copy();
    MachineOps.withPresence(m, ownWorkers);
    return m;
  }

  /** The api's error for any failure: HTTP status, {@code code}, {@code field}, {@code message}. */
  public static Refusal error(Throwable failure) {
    ApiError e = ErrorMapper.toApiError(failure, 500, "operation");
    return new Refusal(e.status(), ErrorMapper.body(e).getJsonObject("error"));
  }

  /** A refusal as the api answers it: the HTTP status and the {@code error} object. */
  public record Refusal(int status, JsonObject error) {
  }
}
