package io.emp.standalone.chaos;

import io.emp.testkit.Resp;
import io.emp.testkit.Resp.RespError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos suite's own view of Redis: a blocking RESP2 client with pipelining, independent of the
 * product's client, used only to read what the broker wrote (the event stream, job hashes, counters)
 * and to change the server's configuration (persistence). Each call opens a fresh connection, so a
 * Redis that was killed, restarted or paused in between costs nothing but the call that hit it.
 */
final class RedisProbe {
  private final String host;
  private final int port;
  private final int timeoutMs;

  RedisProbe(String host, int port, int timeoutMs) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  /** One command; an error reply throws {@link RespError}. */
  Object call(String... args) {
    Object r = pipeline(List.<String[]>of(args)).get(0);
    if (r instanceof RespError e) {
      throw e;
    }
    return r;
  }

  String string(String... args) {
    Object r = call(args);
    return r == null ? null : r.toString();
  }

  boolean ping() {
    try {
      return "PONG".equals(string("PING"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Sends every command, then reads every reply, in batches of 1000. Error replies come back as {@link RespError}. */
  List<Object> pipeline(List<String[]> commands) {
    return Resp.pipeline(host, port, timeoutMs, commands);
  }

  /** Every entry of a stream after {@code after} (exclusive; "-" = from the start), page by page. */
  List<StreamEntry> xrange(String key, String after, int page) {
    List<StreamEntry> all = new ArrayList<>();
    String start = after.equals("-") ? "-" : "(" + after;
    while (true) {
      @SuppressWarnings("unchecked")
      List<Object> entries = (List<Object>) call("XRANGE", key, start, "+", "COUNT", Integer.toString(page));
      if (entries == null || entries.isEmpty()) {
        return all;
      }
      for (Object e : entries) {
        List<?> pair = (List<?>) e;
        List<?> flat = (List<?>) pair.get(1);
        Map<String, String> f = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
          f.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        all.add(new StreamEntry(String.valueOf(pair.get(0)), f));
      }
      start = "(" + all.get(all.size() - 1).id();
      if (entries.size() < page) {
        return all;
      }
    }
  }

  /** One stream entry. */
  record StreamEntry(String id, Map<String, String> fields) {
  }
}
