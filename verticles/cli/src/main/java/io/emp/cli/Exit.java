package io.emp.cli;

/**
 * The exit codes of every {@code emp} command (docs/cli.md). Scripts branch on them, so they never
 * change meaning: a refusal by the api is not an outage, and an outage is not a bad token.
 */
final class Exit {
  /** Done; a followed job completed. */
  static final int OK = 0;
  /** A followed job failed, or the api refused the command (4xx other than 401/403). */
  static final int FAILED = 1;
  /** Usage error: unknown command or option, missing argument, malformed JSON option. */
  static final int USAGE = 2;
  /** A followed job was cancelled (shares the code of a usage error: neither is a success or a failure). */
  static final int CANCELLED = 2;
  /** The api cannot be reached, did not answer in time, or answered 5xx. */
  static final int UNREACHABLE = 3;
  /** The api refused the token (401 no token, 403 wrong token). */
  static final int AUTH = 4;

  private Exit() {
  }

  /** The code for an HTTP error status. */
  static int forStatus(int status) {
    if (status == 401 || status == 403) {
      return AUTH;
    }
    return status >= 500 ? UNREACHABLE : FAILED;
  }

  /** The code for a job's final status: completed 0, failed 1, cancelled 2. */
  static int forJob(String status) {
    return switch (status) {
      case "completed" -> OK;
      case "cancelled" -> CANCELLED;
      default -> FAILED;
    };
  }
}
