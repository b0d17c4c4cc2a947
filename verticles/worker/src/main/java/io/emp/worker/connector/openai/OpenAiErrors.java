package io.emp.worker.connector.openai;

import io.emp.worker.connector.JobOutcome;
import io.emp.worker.connector.http.BackendFailure;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * How OpenAI-compatible errors become job failures. The provider's {@code error.message} is quoted
 * (also the shapes compatible servers use: {@code {"error": "text"}}, {@code {"message"}},
 * {@code {"detail"}}). 429, 408 and 5xx are retryable and carry the provider's wait
 * ({@code retry-after-ms}, else {@code retry-after}) in the message as {@code retry_after_ms=<n>}; other
 * 4xx (bad request, unknown model, invalid key) are permanent.
 */
final class OpenAiErrors {
  /** The Retry-After wait as shown in the message (the failure also carries it for the broker). */
  static final String RETRY_AFTER_MS = "retry_after_ms=";
  private static final Set<String> PERMANENT_TYPES = Set.of("invalid_request_error", "authentication_error",
    "permission_error", "not_found_error");

  private OpenAiErrors() {
  }

  /** The failure for a non-2xx answer. */
  static JobOutcome fromResponse(int status, MultiMap headers, String body) {
    boolean retryable = BackendFailure.isRetryableStatus(status);
    StringBuilder m = new StringBuilder("openai answered HTTP ").append(status).append(": ");
    if (status == 401) {
      m.append("invalid API key: ");
    }
    m.append(message(body));
    Long wait = retryable ? retryAfterMs(headers) : null;
    if (wait != null) {
      m.append("; retry after ").append(seconds(wait)).append(" s (").append(RETRY_AFTER_MS).append(wait).append(')');
      return JobOutcome.retryAfter(m.toString(), wait);
    }
    return JobOutcome.failure(m.toString(), retryable);
  }

  /** The failure for an error object inside a stream: permanent when its type says the request is wrong. */
  static JobOutcome inStream(Object error) {
    if (error instanceof JsonObject e) {
      String text = e.getValue("message") instanceof String s ? s : e.encode();
      boolean permanent = e.getValue("type") instanceof String t && PERMANENT_TYPES.contains(t);
      return JobOutcome.failure("openai: " + text + detail(e), !permanent);
    }
    return JobOutcome.failure("openai: " + error, true);
  }

  /** The provider's message from an error body, with its type and code; the raw text when not JSON. */
  static String message(String body) {
    String b = body == null ? "" : body.strip();
    if (b.startsWith("{")) {
      try {
        JsonObject o = new JsonObject(b);
        Object e = o.getValue("error");
        if (e instanceof JsonObject err && err.getValue("message") instanceof String s) {
          return s + detail(err);
        }
        for (Object v : new Object[] {e, o.getValue("message"), o.getValue("detail")}) {
          if (v instanceof String s && !s.isBlank()) {
            return s;
          }
        }
      } catch (DecodeException | ClassCastException ignored) {
        // not JSON after all: quote the text
      }
    }
    if (b.isEmpty()) {
      return "(no message)";
    }
    return b.length() > 300 ? b.substring(0, 300) + "…" : b;
  }

  /** Milliseconds the provider asks to wait: {@code retry-after-ms}, else {@code retry-after} (seconds or a date). */
  static Long retryAfterMs(MultiMap headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        double d = Double.parseDouble(ms.trim());
        if (d >= 0 && Double.isFinite(d)) {
          return (long) Math.ceil(d);
        }
      } catch (NumberFormatException ignored) {
        // fall back to retry-after
      }
    }
    Long s = BackendFailure.retryAfterSeconds(headers.get("retry-after"));
    return s == null ? null : s * 1000;
  }

  private static String detail(JsonObject err) {
    String type = err.getValue("type") instanceof String t ? t : null;
    String code = err.getValue("code") instanceof String c ? c : null;
    if (type == null && code == null) {
      return "";
    }
    return " (" + (type == null ? code : code == null || code.equals(type) ? type : type + ", " + code) + ")";
  }

  private static String seconds(long ms) {
    return ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.valueOf(ms / 1000.0);
  }
}
