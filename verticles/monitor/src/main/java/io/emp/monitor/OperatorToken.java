package io.emp.monitor;

import io.emp.core.auth.Principal;
import io.emp.core.auth.Scope;
import io.emp.core.auth.TokenRegistry;
import io.vertx.core.MultiMap;

/**
 * The token check of the bridge and of the RPC consumers: the token travels in the message headers as
 * {@code token} and is resolved by the same {@link TokenRegistry} as the api's (scoped, hashed tokens;
 * docs/security.md). The monitor needs {@code read}; commands check their own scope.
 */
final class OperatorToken {
  static final String HEADER = "token";
  private final TokenRegistry registry;

  OperatorToken(TokenRegistry registry) {
    this.registry = registry;
  }

  /** The principal of a presented token, null when none or unknown. */
  Principal principal(String presented) {
    return registry.authenticate(presented);
  }

  Principal principal(MultiMap headers) {
    return principal(headers == null ? null : headers.get(HEADER));
  }

  /** 0 when the token is known and has {@code scope}; 401 without a token; 403 when unknown or short of it. */
  int check(String presented, Scope scope) {
    if (registry.enabled() && (presented == null || presented.isEmpty())) {
      return 401;
    }
    Principal p = principal(presented);
    return p != null && p.can(scope) ? 0 : 403;
  }

  /** 0 when the token is known (whatever its scopes), else 401/403. */
  int known(String presented) {
    if (registry.enabled() && (presented == null || presented.isEmpty())) {
      return 401;
    }
    return principal(presented) != null ? 0 : 403;
  }
}
