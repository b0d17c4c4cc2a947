package io.emp.monitor;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The operator token check of the bridge and of the RPC consumers: the token travels in the message
 * headers as {@code token}; compared in constant time over fixed-length digests.
 */
final class OperatorToken {
  static final String HEADER = "token";
  private final byte[] expected;

  /** @param token the operator token, or null when authentication is off */
  OperatorToken(String token) {
    this.expected = token == null ? null : digest(token);
  }

  /** 0 when accepted, 401 when no token was presented, 403 when it is wrong. */
  int check(String presented) {
    if (expected == null) {
      return 0;
    }
    if (presented == null || presented.isEmpty()) {
      return 401;
    }
    return MessageDigest.isEqual(expected, digest(presented)) ? 0 : 403;
  }

  int check(MultiMap headers) {
    return check(headers == null ? null : headers.get(HEADER));
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
