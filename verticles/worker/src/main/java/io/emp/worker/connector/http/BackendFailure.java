package io.emp.worker.connector.http;

import io.emp.worker.connector.JobOutcome;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpResponseHead;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

/**
 * The one place connectors decide whether a backend failure is worth another attempt. Transient
 * problems — the backend unreachable, a dropped connection, a timeout, HTTP 5xx, 429 and 408 — are
 * retryable (another GPU or a later try may succeed); a request the backend refuses as wrong (other
 * 4xx) is permanent, so a bad job is not retried on every GPU of the fleet.
 */
public final class BackendFailure {
  private BackendFailure() {
  }

  /**
   * A failure while talking to the backend: retryable (connection refused, reset, timeout, unknown host,
   * anything unexpected), except {@link IllegalArgumentException}, which connectors use for input the
   * backend can never accept.
   */
  public static JobOutcome fromThrowable(String backend, Throwable e) {
    return JobOutcome.failure(backend + ": " + describe(e), !(e instanceof IllegalArgumentException));
  }

  /** Retryable for 5xx, 408 and 429; permanent for other 4xx. {@code body} is quoted (truncated). */
  public static JobOutcome fromStatus(String backend, int status, String body) {
    return JobOutcome.failure(backend + " answered HTTP " + status + snippet(body), isRetryableStatus(status));
  }

  public static JobOutcome fromResponse(String backend, HttpResponseHead head, String body) {
    return fromStatus(backend, head.statusCode(), body);
  }

  public static boolean isRetryableStatus(int status) {
    return status >= 500 || status == 408 || status == 429;
  }

  public static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof UnknownHostException
        || t instanceof TimeoutException || t instanceof HttpClosedException
        || t instanceof java.io.IOException || t instanceof io.netty.channel.ConnectTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Seconds to wait from a {@code Retry-After} header (delta-seconds or an HTTP date); null when
   * absent or unreadable.
   */
  public static Long retryAfterSeconds(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      return Math.max(0, Long.parseLong(header.trim()));
    } catch (NumberFormatException e) {
      try {
        long at = java.time.ZonedDateTime.parse(header.trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant().toEpochMilli();
        return Math.max(0, (at - System.currentTimeMillis()) / 1000);
      } catch (java.time.format.DateTimeParseException ignored) {
        return null;
      }
    }
  }

  static String describe(Throwable e) {
    if (e == null) {
      return "unknown error";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static String snippet(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String b = body.strip();
    return ": " + (b.length() > 300 ? b.substring(0, 300) + "…" : b);
  }
}
