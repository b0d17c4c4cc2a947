package io.emp.api;

import io.emp.core.LogSafe;
import io.emp.core.bus.Addresses;
import io.emp.core.events.BrokerEvent;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client WebSocket ({@code /ws/client}): JSON text messages {@code submit_job}, {@code subscribe},
 * {@code unsubscribe}, {@code cancel_job}. Every failure is answered with an {@code error} message
 * and the socket stays open. Subscriptions are per-job event-bus consumers, removed on unsubscribe,
 * after the job's terminal event, and when the socket closes.
 */
final class ClientSocket {
  static final int MAX_SUBSCRIPTIONS = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(ClientSocket.class);

  private final ServerWebSocket ws;
  private final Jobs jobs;
  private final EventBus bus;
  private final ApiMetrics metrics;
  private final io.emp.core.auth.Principal who;
  private final long messageLimit;
  private final Map<String, MessageConsumer<JsonObject>> subscriptions = new HashMap<>();
  private final Map<String, String> lastSent = new HashMap<>();
  /** Events of jobs whose subscription is being set up, delivered once its starting point is known. */
  private final Map<String, List<JsonObject>> holding = new HashMap<>();
  private boolean closed;

  ClientSocket(ServerWebSocket ws, Jobs jobs, EventBus bus, ApiMetrics metrics, io.emp.core.auth.Principal who,
               long messageLimit) {
    this.who = who;
    this.messageLimit = messageLimit;
    this.ws = ws;
    this.jobs = jobs;
    this.bus = bus;
    this.metrics = metrics;
  }

  void start() {
    metrics.wsOpened();
    LOG.info("client socket opened from {}", ws.remoteAddress());
    SocketMessages messages = new SocketMessages(ws, messageLimit, this::onMessage,
      () -> error(null, ApiError.invalid("message", "send JSON as text frames")));
    ws.frameHandler(messages::onFrame);
    ws.closeHandler(v -> close());
    ws.exceptionHandler(this::onException);
  }

  /**
   * Netty refuses a broken frame (reserved opcode or RSV bits, unmasked, oversized, a bad close frame)
   * and Vert.x then drops the connection without a close frame (found by WebSocketFuzzTest): the client
   * learns why from the close code the violation carries.
   */
  private void onException(Throwable e) {
    if (e instanceof CorruptedWebSocketFrameException c && !closed) {
      LOG.info("client socket {}: protocol violation: {}", ws.remoteAddress(), LogSafe.of(c.getMessage()));
      ws.close((short) c.closeStatus().code(), LogSafe.of(c.getMessage(), 100));
      return;
    }
    LOG.debug("client socket error: {}", LogSafe.of(e));
  }

  private void onMessage(String text) {
    Object requestId = null;
    try {
      JsonObject msg = JsonBody.parse(text, "message");
      requestId = msg.getValue("request_id");
      Object id = requestId;
      dispatch(msg).onFailure(e -> error(id, e));
    } catch (RuntimeException e) {
      error(requestId, e);
    }
  }

  private Future<?> dispatch(JsonObject msg) {
    Object requestId = msg.getValue("request_id");
    String type = msg.getValue("type") instanceof String t ? t : "";
    return switch (type) {
      case "submit_job" -> (who.can(io.emp.core.auth.Scope.SUBMIT) ? jobs.submit(object(msg, "job"), who)
        : Future.<io.emp.core.model.Results.Submitted>failedFuture(
          new ApiError(403, "FORBIDDEN", "token", "submit_job needs the submit scope")))
        .onSuccess(s -> send(reply("job_submitted", requestId)
          .mergeIn(Jobs.submitted(s))
          .put("duplicate", s.duplicate())));
      case "cancel_job" -> {
        String id = text(msg, "job_id");
        yield jobs.cancel(id, who).onSuccess(st -> send(reply("job_cancel", requestId).put("id", id).put("status", st)));
      }
      case "subscribe" -> subscribe(jobIds(msg))
        .onSuccess(ids -> send(reply("subscribed", requestId).put("job_ids", ids)));
      case "unsubscribe" -> {
        List<String> ids = jobIds(msg);
        ids.forEach(this::unsubscribe);
        yield Future.succeededFuture(send(reply("unsubscribed", requestId).put("job_ids", new JsonArray(ids))));
      }
      default -> Future.failedFuture(ApiError.invalid("type",
        "unknown message type '" + type + "' (submit_job, subscribe, unsubscribe, cancel_job)"));
    };
  }

  /** Checks the jobs exist, then registers one consumer per job not yet followed. */
  private Future<JsonArray> subscribe(List<String> ids) {
    long fresh = ids.stream().distinct().filter(id -> !subscriptions.containsKey(id)).count();
    if (subscriptions.size() + fresh > MAX_SUBSCRIPTIONS) {
      return Future.failedFuture(ApiError.invalid("job_ids",
        "at most " + MAX_SUBSCRIPTIONS + " subscriptions per socket"));
    }
    // listen first, then read where each job's history stands: only later events are pushed (a
    // transition that happened before the subscription, but reached this process's tailer after it,
    // is not sent), and none between the read and the listening is missed
    List<String> added = new ArrayList<>();
    List<Future<Void>> registered = new ArrayList<>();
    for (String id : ids) {
      if (!closed && !subscriptions.containsKey(id) && !added.contains(id)) {
        added.add(id);
        holding.put(id, new ArrayList<>());
        MessageConsumer<JsonObject> c = bus.localConsumer(Addresses.job(id), m -> push(id, m.body()));
        subscriptions.put(id, c);
        registered.add(c.completion());
      }
    }
    return Future.all(registered)
      .compose(v -> {
        List<Future<?>> reads = new ArrayList<>();
        for (String id : ids) {
          reads.add(jobs.snapshot(id, who).onSuccess(snap -> {
            List<JsonObject> held = holding.remove(id);
            if (snap.newestEventId() != null && !lastSent.containsKey(id)) {
              lastSent.put(id, snap.newestEventId());
            }
            if (held != null) {
              held.forEach(e -> push(id, e));
            }
          }));
        }
        return Future.all(reads);
      })
      .map(x -> new JsonArray(ids))
      .onFailure(e -> added.forEach(id -> {
        holding.remove(id);
        unsubscribe(id);
      }));
  }

  private void push(String jobId, JsonObject event) {
    List<JsonObject> held = holding.get(jobId);
    if (held != null) {
      held.add(event); // the subscription's starting point is still being read
      return;
    }
    String id = event.getString("id");
    String last = lastSent.get(jobId);
    if (closed || id == null || last != null && !BrokerEvent.isAfter(id, last)) {
      return; // reported twice (two tailers in this process)
    }
    lastSent.put(jobId, id);
    send(new JsonObject().put("type", "job_event").put("job_id", jobId).put("event", event));
    if (BrokerEvent.fromJson(event).isTerminal()) {
      unsubscribe(jobId);
    }
  }

  private void unsubscribe(String jobId) {
    MessageConsumer<JsonObject> c = subscriptions.remove(jobId);
    lastSent.remove(jobId);
    if (c != null) {
      c.unregister();
    }
  }

  private void error(Object requestId, Throwable e) {
    ApiError a = ErrorMapper.toApiError(e, 500, "websocket message");
    send(reply("error", requestId).put("error", ErrorMapper.body(a).getJsonObject("error")));
  }

  private Void send(JsonObject msg) {
    if (!closed) {
      ws.writeTextMessage(msg.encode());
      if (ws.writeQueueFull()) {
        LOG.info("closing client socket {}: the client is not reading", ws.remoteAddress());
        ws.close((short) 1008, "client too slow");
      }
    }
    return null;
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    List.copyOf(subscriptions.keySet()).forEach(this::unsubscribe);
    metrics.wsClosed();
    LOG.info("client socket closed from {}", ws.remoteAddress());
  }

  private static JsonObject reply(String type, Object requestId) {
    return new JsonObject().put("type", type).put("request_id", requestId);
  }

  private static JsonObject object(JsonObject msg, String field) {
    if (!(msg.getValue(field) instanceof JsonObject o)) {
      throw ApiError.invalid(field, "required: a JSON object (the same body as POST /api/jobs)");
    }
    return o;
  }

  private static String text(JsonObject msg, String field) {
    if (!(msg.getValue(field) instanceof String s) || s.isEmpty()) {
      throw ApiError.invalid(field, "required: a job id");
    }
    return s;
  }

  private static List<String> jobIds(JsonObject msg) {
    if (!(msg.getValue("job_ids") instanceof JsonArray a) || a.isEmpty()) {
      throw ApiError.invalid("job_ids", "required: a non-empty array of job ids");
    }
    List<String> ids = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String s) || !Jobs.isJobId(s)) {
        throw ApiError.invalid("job_ids", "not a job id: " + o);
      }
      ids.add(s);
    }
    return ids.stream().distinct().toList();
  }
}
