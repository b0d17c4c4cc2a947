package io.emp.core.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * An authenticated caller: the token's name (recorded on the jobs it submits), its scopes and, for a
 * token bound to one, the customer it acts for. {@code admin} implies every scope; {@code operate}
 * implies {@code read}.
 *
 * @param customer the customer a submit token is bound to (its jobs, its reads); null = not bound
 */
public record Principal(String name, Set<Scope> scopes, String customer) {
  /** Everything is allowed: {@code EMP_AUTH=off}, or the single {@code EMP_API_TOKEN}. */
  public static final Principal ADMIN = new Principal("admin", EnumSet.of(Scope.ADMIN), null);

  public Principal {
    scopes = scopes.isEmpty() ? EnumSet.noneOf(Scope.class) : EnumSet.copyOf(scopes);
  }

  public boolean can(Scope scope) {
    if (scopes.contains(Scope.ADMIN) || scopes.contains(scope)) {
      return true;
    }
    return scope == Scope.READ && scopes.contains(Scope.OPERATE);
  }

  /** May read or cancel a job of {@code jobCustomer}: any job with read/operate, else only its customer's. */
  public boolean owns(String jobCustomer) {
    if (can(Scope.READ)) {
      return true;
    }
    return can(Scope.SUBMIT) && customer != null && customer.equals(jobCustomer);
  }

  /** Whether reads must be restricted to this principal's customer (a submit-only token). */
  public boolean restricted() {
    return !can(Scope.READ);
  }
}
