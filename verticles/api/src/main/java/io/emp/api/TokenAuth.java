package io.emp.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Predicate;

/**
 * Bearer-token authentication of every protected route: {@code Authorization: Bearer <token>},
 * compared in constant time with the admin token. A missing token is 401 (with
 * {@code WWW-Authenticate: Bearer}), a wrong one 403. Browsers cannot set headers on WebSocket
 * upgrades or EventSource streams, so those GET paths also accept {@code ?token=}.
 *
 * <p>The single place authentication lives, so scoped tokens can be added here later.
 */
final class TokenAuth implements Handler<RoutingContext> {
  private static final String BEARER = "Bearer ";
  private final byte[] expected;
  private final Predicate<String> queryTokenPaths;

  /** @param token the admin token, or null to let every request through (EMP_AUTH=off) */
  TokenAuth(String token, Predicate<String> queryTokenPaths) {
    this.expected = token == null ? null : digest(token);
    this.queryTokenPaths = queryTokenPaths;
  }

  @Override
  public void handle(RoutingContext rc) {
    if (expected == null) {
      rc.next();
      return;
    }
    String presented = presentedToken(rc);
    if (presented == null) {
      rc.fail(401);
    } else if (!MessageDigest.isEqual(expected, digest(presented))) {
      rc.fail(403);
    } else {
      rc.next();
    }
  }

  private String presentedToken(RoutingContext rc) {
    String header = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null) {
      return header.regionMatches(true, 0, BEARER, 0, BEARER.length()) && header.length() > BEARER.length()
        ? header.substring(BEARER.length()).trim()
        : null;
    }
    if (rc.request().method() == HttpMethod.GET && queryTokenPaths.test(rc.request().path())) {
      String q = rc.request().getParam("token");
      return q == null || q.isEmpty() ? null : q;
    }
    return null;
  }

  /** Fixed-length digests make the comparison independent of the presented token's length. */
  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
