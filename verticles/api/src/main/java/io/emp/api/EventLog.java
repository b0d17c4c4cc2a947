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
