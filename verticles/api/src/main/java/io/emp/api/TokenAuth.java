package io.emp.api;

import io.emp.core.auth.Principal;
import io.emp.core.auth.TokenRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Predicate;

/**
 * Bearer-token authentication of every protected route: {@code Authorization: Bearer <token>}, looked
 * up in the {@link TokenRegistry} (hashed, scoped tokens — docs/security.md). A missing token is 401
 * (with {@code WWW-Authenticate: Bearer}), an unknown one 403. The principal is put in the routing
 * context for the scope checks of {@link Authz}. Browsers cannot set headers on WebSocket upgrades or
 * EventSource streams, so those GET paths also accept {@code ?token=}.
 */
final class TokenAuth implements Handler<RoutingContext> {
  static final String PRINCIPAL = "emp.principal";
  private static final String BEARER = "Bearer ";
  private final TokenRegistry tokens;
  private final Predicate<String> queryTokenPaths;

  TokenAuth(TokenRegistry tokens, Predicate<String> queryTokenPaths) {
    this.tokens = tokens;
    this.queryTokenPaths = queryTokenPaths;
  }

  @Override
  public void handle(RoutingContext rc) {
    if (!tokens.enabled()) {
      rc.put(PRINCIPAL, Principal.ADMIN);
      rc.next();
      return;
    }
    String presented = presentedToken(rc);
    if (presented == null) {
      rc.fail(401);
      return;
    }
    Principal p = tokens.authenticate(presented);
    if (p == null) {
      rc.fail(403);
    } else {
      rc.put(PRINCIPAL, p);
      rc.next();
    }
  }

  /** The authenticated caller of a request that passed this handler. */
  static Principal principal(RoutingContext rc) {
    Principal p = rc.get(PRINCIPAL);
    return p == null ? Principal.ADMIN : p;
  }

  private String presentedToken(RoutingContext rc) {
    String header = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null) {
      return header.regionMatches(true, 0, BEARER, 0, BEARER.length()) && header.length() > BEARER.length()
        ? header.substring(BEARER.length()).trim()
        : null;
    }
    // the normalised path, the one routes match: the raw one could end in /events and still reach
    // another route through ../ (found by FuzzTest: /api/jobs/../machines/events?token=)
    if (rc.request().method() == HttpMethod.GET && queryTokenPaths.test(rc.normalizedPath())) {
      String q = rc.request().getParam("token");
      return q == null || q.isEmpty() ? null : q;
    }
    return null;
  }
}
