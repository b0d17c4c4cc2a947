package io.emp.core.validation;

/** The payload is over the configured size limit (HTTP 413, not 400). */
public final class PayloadTooLargeException extends ValidationException {
  public PayloadTooLargeException(String field, long limitBytes) {
    super(field, "larger than " + limitBytes + " bytes");
  }
}
