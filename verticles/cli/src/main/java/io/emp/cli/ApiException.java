package io.emp.cli;

/**
 * The api answered with an error: its HTTP status and the {@code {"error": {code, message, field}}}
 * body (docs/api.md#errors). {@link #exitCode()} maps it to the CLI's exit code.
 */
final class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final String field;

  ApiException(int status, String code, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  String field() {
    return field;
  }

  int exitCode() {
    return Exit.forStatus(status);
  }

  /** {@code 404 NOT_FOUND: unknown job 01J… (field: id)}. */
  String describe() {
    return status + " " + code + ": " + getMessage() + (field == null || field.isEmpty() ? "" : " (field: " + field + ")");
  }
}
