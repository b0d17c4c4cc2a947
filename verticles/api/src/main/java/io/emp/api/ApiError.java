package io.emp.api;

/**
 * A request the api refuses by itself (auth, media type, size, unknown route or job, bad parameter),
 * as opposed to a refusal of the function library ({@link io.emp.core.store.BrokerException}) or of
 * submission validation ({@link io.emp.core.validation.ValidationException}). {@link ErrorMapper}
 * turns all three into the one error body. Nothing was written when one is thrown.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;
  private final String field;
  private final long retryAfterMs;

  public ApiError(int status, String code, String field, String message) {
    this(status, code, field, message, 0);
  }

  /** @param retryAfterMs for 429/503: when trying again can succeed ({@code Retry-After}); 0 = not stated */
  public ApiError(int status, String code, String field, String message, long retryAfterMs) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterMs = retryAfterMs;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }

  public static ApiError invalid(String field, String message) {
    return new ApiError(400, "INVALID", field, message);
  }

  public static ApiError unknownJob(String id) {
    return new ApiError(404, "NOT_FOUND", "id", "unknown job " + id);
  }

  public static ApiError payloadTooLarge(String field, long limit) {
    return new ApiError(413, "PAYLOAD_TOO_LARGE", field, "larger than " + limit + " bytes");
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }
}
