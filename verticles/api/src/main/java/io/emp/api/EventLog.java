package io.emp.api;

import io.emp.core.Keys;
import io.emp.core.events.BrokerEvent;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Read-only access to the namespace event stream for SSE: its newest and oldest ids, and the events of
 * one job after a given id (the replay of a resuming client). Live events come from the tailer.
 */
final class EventLog {
  /** The id of an empty stream: every real entry is after it. */
  static final String START = "0-0";
  static final Pattern STREAM_ID = Pattern.compile("\\d{1,16}(-\\d{1,18})?");
  private static final int PAGE = 1_000;

  private final Redis redis;
  private final String key;

  EventLog(Redis redis, Keys keys) {
    this.redis = redis;
    this.key = keys.events();
  }

  /** The oldest entry still held (older ones were trimmed), or null when the stream is empty. */
  Future<String> oldestId() {
    return edge(Command.XRANGE, "-", "+");
  }

  /** The newest entry, or null when the stream is empty. */
  Future<String> newestId() {
    return edge(Command.XREVRANGE, "+", "-");
  }

  /**
   * Whether entries were ever removed from the stream (trimmed by {@code events_maxlen}): more were added
   * than it holds. False for a stream that does not exist yet; true (the cautious answer) when
   * {@code XINFO} cannot tell.
   */
  Future<Boolean> everTrimmed() {
    return redis.send(Request.cmd(Command.XINFO).arg("STREAM").arg(key))
      .map(r -> number(r, "entries-added") > number(r, "length"))
      .otherwise(e -> !String.valueOf(e.getMessage()).contains("no such key"));
  }

  /** A field of an {@code XINFO} reply, a map in RESP3 and a flat field/value list in RESP2. */
  private static long number(Response r, String field) {
    if (r.isMap()) {
      Response v = r.get(field);
      return v == null ? 0 : v.toLong();
    }
    for (int i = 0; i + 1 < r.size(); i += 2) {
      if (field.equals(r.get(i).toString())) {
        return r.get(i + 1).toLong();
      }
    }
    return 0;
  }

  /**
   * Events right after {@code from} may be gone when the stream's oldest entry is after it, or when
   * the stream is empty although the client saw an entry.
   */
  static boolean mayHaveBeenTrimmed(String oldest, String from) {
    return oldest == null ? BrokerEvent.isAfter(from, START) : BrokerEvent.isAfter(oldest, from);
  }

  /** One page of the stream: its job events, the id of the last entry read, whether the stream ends there. */
  record Page(List<BrokerEvent> jobEvents, String lastId, boolean atEnd) {
  }

  /** The next at most {@code count} entries after {@code afterId}, keeping the job events. */
  Future<Page> jobEventsPage(String afterId, int count) {
    return redis.send(Request.cmd(Command.XRANGE).arg(key).arg("(" + afterId).arg("+").arg("COUNT").arg(count))
      .map(r -> {
        List<BrokerEvent> jobs = new ArrayList<>();
        String last = afterId;
        int n = 0;
        for (Response entry : r) {
          BrokerEvent e = BrokerEvent.fromEntry(entry);
          last = e.id();
          n++;
          if (e.isJobEvent()) {
            jobs.add(e);
          }
        }
        return new Page(jobs, last, n < count);
      });
  }

  /** Every event of {@code jobId} with a stream id after {@code afterId}, oldest first. */
  Future<List<BrokerEvent>> jobEventsAfter(String afterId, String jobId) {
    return page(afterId, jobId, new ArrayList<>());
  }

  /**
   * The events of {@code jobId} after {@code afterId}, oldest first, reading at most {@code maxScanned}
   * entries of the stream (the newest of them are kept when the job has more than {@code keep}).
   */
  Future<List<BrokerEvent>> jobEventsAfter(String afterId, String jobId, long maxScanned, int keep) {
    return page(afterId, jobId, new ArrayList<>(), maxScanned).map(all ->
      all.size() <= keep ? all : new ArrayList<>(all.subList(all.size() - keep, all.size())));
  }

  private Future<List<BrokerEvent>> page(String afterId, String jobId, List<BrokerEvent> acc) {
    return page(afterId, jobId, acc, Long.MAX_VALUE);
  }

  private Future<List<BrokerEvent>> page(String afterId, String jobId, List<BrokerEvent> acc, long budget) {
    return redis.send(Request.cmd(Command.XRANGE).arg(key).arg("(" + afterId).arg("+").arg("COUNT").arg(PAGE))
      .compose(r -> {
        String last = afterId;
        int n = 0;
        for (Response entry : r) {
          BrokerEvent e = BrokerEvent.fromEntry(entry);
          last = e.id();
          n++;
          if (jobId.equals(e.job())) {
            acc.add(e);
          }
        }
        return n < PAGE || budget - n <= 0 ? Future.succeededFuture(acc) : page(last, jobId, acc, budget - n);
      });
  }

  private Future<String> edge(Command cmd, String from, String to) {
    return redis.send(Request.cmd(cmd).arg(key).arg(from).arg(to).arg("COUNT").arg(1))
      .map(r -> r == null || r.size() == 0 ? null : r.get(0).get(0).toString());
  }
}
