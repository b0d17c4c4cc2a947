package io.emp.core.auth;

import java.util.Locale;

/**
 * What a token may do (docs/security.md#scopes). {@code submit}: submit jobs, read and cancel its own
 * customer's jobs; {@code read}: every read-only view; {@code operate}: read, machine commands,
 * cancel and retry any job; {@code admin}: everything.
 */
public enum Scope {
  SUBMIT, READ, OPERATE, ADMIN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Scope parse(String s) {
    for (Scope v : values()) {
      if (v.wire().equals(s.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown scope '" + s + "' (submit, read, operate, admin)");
  }
}
