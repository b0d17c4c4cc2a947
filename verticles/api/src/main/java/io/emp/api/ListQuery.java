package io.emp.api;

import io.emp.core.model.JobStatus;
import io.vertx.core.MultiMap;
import java.util.regex.Pattern;

/**
 * The parameters of {@code GET /api/jobs}, validated: an unknown status, a limit outside 1–500 or a
 * malformed cursor is a 400 naming the parameter.
 */
record ListQuery(String status, String service, int limit, String cursor) {
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;
  private static final Pattern CURSOR = Pattern.compile("\\d{1,16}:[0-9A-HJKMNP-TV-Z]{26}");

  static ListQuery from(MultiMap params) {
    String status = blankToNull(params.get("status"));
    if (status != null && !JobStatus.isWire(status)) {
      throw ApiError.invalid("status", "unknown status '" + status + "' (queued, delayed, assigned, running,"
        + " completed, failed, cancelled)");
    }
    String service = blankToNull(params.get("service"));
    if (service != null && !io.emp.core.model.JobSubmission.NAME.matcher(service).matches()) {
      throw ApiError.invalid("service", "must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    String cursor = blankToNull(params.get("cursor"));
    if (cursor != null && !CURSOR.matcher(cursor).matches()) {
      throw ApiError.invalid("cursor", "malformed cursor (use next_cursor from the previous page)");
    }
    return new ListQuery(status, service, limit(params.get("limit")), cursor);
  }

  private static int limit(String raw) {
    if (raw == null || raw.isBlank()) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiError.invalid("limit", "must be an integer 1-" + MAX_LIMIT);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
