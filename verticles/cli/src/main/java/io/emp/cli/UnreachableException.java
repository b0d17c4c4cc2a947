package io.emp.cli;

/** The api could not be reached, or the connection broke, or it did not answer in time: exit code 3. */
final class UnreachableException extends RuntimeException {
  UnreachableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
