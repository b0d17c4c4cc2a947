package io.emp.api;

import io.emp.core.auth.Principal;
import io.emp.core.auth.Scope;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Route-level scope checks (docs/security.md#scopes), after {@link TokenAuth}: a route needing a scope
 * the caller's token lacks is 403 naming the scope. Job-level ownership (a submit token sees and
 * cancels only its customer's jobs) is checked in {@link Jobs}.
 */
final class Authz {
  private Authz() {
  }

  /** Passes when the caller has {@code scope}. */
  static Handler<RoutingContext> require(Scope scope) {
    return rc -> {
      if (TokenAuth.principal(rc).can(scope)) {
        rc.next();
      } else {
        rc.fail(new ApiError(403, "FORBIDDEN", "token", "this needs the " + scope.wire() + " scope"));
      }
    };
  }

  /** Passes when the caller has any of the scopes. */
  static Handler<RoutingContext> requireAny(Scope... scopes) {
    return rc -> {
      Principal p = TokenAuth.principal(rc);
      for (Scope s : scopes) {
        if (p.can(s)) {
          rc.next();
          return;
        }
      }
      rc.fail(new ApiError(403, "FORBIDDEN", "token", "this needs one of the scopes "
        + java.util.Arrays.stream(scopes).map(Scope::wire).toList()));
    };
  }
}
