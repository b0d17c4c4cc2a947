package io.emp.core.auth;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokens the api and the monitor accept (docs/security.md#tokens): {@code EMP_API_TOKEN} (one
 * admin token, plain, from the environment) and {@code EMP_API_TOKENS} (a file path, or the same
 * lines inline separated by {@code ;}), one token per line:
 * <pre>
 * # name      scopes            token hash                                   customer (optional)
 * acme-app    submit            sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 acme
 * grafana     read              sha256:…
 * oncall      operate           sha256:…
 * </pre>
 * Only SHA-256 hashes of tokens are stored ({@code printf %s "$TOKEN" | sha256sum}); a presented token
 * is hashed and looked up, so comparisons never depend on how much of a token matches. A submit token
 * without a customer acts for the customer named like the token.
 */
public final class TokenRegistry {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
  private final Map<String, Principal> byHash;
  private final boolean enabled;

  private TokenRegistry(Map<String, Principal> byHash, boolean enabled) {
    this.byHash = Map.copyOf(byHash);
    this.enabled = enabled;
  }

  /** Authentication off ({@code EMP_AUTH=off}): everyone is admin. */
  public static TokenRegistry disabled() {
    return new TokenRegistry(Map.of(), false);
  }

  /** @param adminToken {@code EMP_API_TOKEN} (may be null when {@code tokensSpec} defines tokens) */
  public static TokenRegistry of(String adminToken, String tokensSpec) {
    Map<String, Principal> map = new HashMap<>();
    if (adminToken != null && !adminToken.isBlank()) {
      map.put(hash(adminToken), Principal.ADMIN);
    }
    if (tokensSpec != null && !tokensSpec.isBlank()) {
      parse(tokensSpec, map);
    }
    if (map.isEmpty()) {
      throw new ConfigException("no token configured: set EMP_API_TOKEN (admin) and/or EMP_API_TOKENS (scoped token"
        + " hashes, docs/security.md), or EMP_AUTH=off for local use without authentication");
    }
    return new TokenRegistry(map, true);
  }

  /** From {@code EMP_AUTH}, {@code EMP_API_TOKEN} and {@code EMP_API_TOKENS}. */
  public static TokenRegistry from(EnvConfig env) {
    boolean auth = env.oneOf("EMP_AUTH", "on", Set.of("on", "off")).equals("on");
    return auth ? of(env.raw("EMP_API_TOKEN"), env.raw("EMP_API_TOKENS")) : disabled();
  }

  public boolean enabled() {
    return enabled;
  }

  /** The principal of a presented token, or null when it is unknown. With auth off: {@link Principal#ADMIN}. */
  public Principal authenticate(String token) {
    if (!enabled) {
      return Principal.ADMIN;
    }
    if (token == null || token.isEmpty() || token.length() > 4096) {
      return null;
    }
    return byHash.get(hash(token));
  }

  public static String hash(String token) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void parse(String spec, Map<String, Principal> into) {
    String text = spec.trim();
    String source = "EMP_API_TOKENS";
    if (!text.contains(" ") && !text.contains("\t")) { // a path
      source = "EMP_API_TOKENS file " + text;
      try {
        text = Files.readString(Path.of(text), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ConfigException("EMP_API_TOKENS: cannot read the token file " + spec + ": " + e.getMessage());
      }
    } else {
      text = text.replace(';', '\n');
    }
    int n = 0;
    for (String raw : text.split("\n")) {
      n++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+");
      String where = source + " line " + n + ": ";
      if (f.length < 3 || f.length > 4) {
        throw new ConfigException(where + "expected 'name scopes sha256:<hex> [customer]'");
      }
      if (!NAME.matcher(f[0]).matches()) {
        throw new ConfigException(where + "token name '" + f[0] + "' must be 1-128 characters of [A-Za-z0-9_.:-]");
      }
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      for (String s : f[1].split(",")) {
        try {
          scopes.add(Scope.parse(s));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(where + e.getMessage());
        }
      }
      if (!HASH.matcher(f[2]).matches()) {
        throw new ConfigException(where + "the token must be given as sha256:<64 hex digits> of the token, never in"
          + " plain text (printf %s \"$TOKEN\" | sha256sum)");
      }
      String customer = f.length == 4 ? f[3] : scopes.contains(Scope.SUBMIT) ? f[0] : null;
      if (customer != null && !NAME.matcher(customer).matches()) {
        throw new ConfigException(where + "customer '" + customer + "' must be 1-128 characters of [A-Za-z0-9_.:-]");
      }
      if (into.containsKey(f[2])) {
        throw new ConfigException(where + "the same token hash appears twice");
      }
      into.put(f[2], new Principal(f[0], scopes, customer));
    }
  }
}
