package io.emp.worker.connector.rest;

import io.emp.core.config.ConfigException;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * How the REST connectors authenticate to their backend, from {@code EMP_REST_AUTH} /
 * {@code EMP_REST_ASYNC_AUTH}: {@code none}, {@code bearer:<token>}, {@code basic:<user>:<password>} or
 * {@code header:<Name>:<value>}. The secret never appears in {@link #toString()} nor in an error
 * message, so settings can be logged.
 *
 * @param kind   none, bearer, basic or header
 * @param header the header it sets (null for none)
 * @param value  that header's value (the secret)
 */
public record RestAuth(String kind, String header, String value) {
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  public static final RestAuth NONE = new RestAuth("none", null, null);

  /** Parses {@code text} (the value of {@code variable}); throws {@link ConfigException} without echoing it. */
  public static RestAuth parse(String variable, String text) {
    if (text == null || text.equals("none")) {
      return NONE;
    }
    int colon = text.indexOf(':');
    String kind = colon < 0 ? text : text.substring(0, colon);
    String rest = colon < 0 ? "" : text.substring(colon + 1);
    return switch (kind) {
      case "bearer" -> bearer(variable, rest);
      case "basic" -> basic(variable, rest);
      case "header" -> header(variable, rest);
      default -> throw new ConfigException(variable + " must be none, bearer:<token>, basic:<user>:<password> or "
        + "header:<Name>:<value> (value not shown)");
    };
  }

  private static RestAuth bearer(String variable, String token) {
    requireValue(variable, token, "bearer:<token>");
    return new RestAuth("bearer", "Authorization", "Bearer " + token);
  }

  private static RestAuth basic(String variable, String userPass) {
    int colon = userPass.indexOf(':');
    if (colon <= 0) {
      throw new ConfigException(variable + " must be basic:<user>:<password> (value not shown)");
    }
    String encoded = Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    return new RestAuth("basic", "Authorization", "Basic " + encoded);
  }

  private static RestAuth header(String variable, String nameValue) {
    int colon = nameValue.indexOf(':');
    String name = colon < 0 ? nameValue : nameValue.substring(0, colon);
    if (colon <= 0 || !TOKEN.matcher(name).matches()) {
      throw new ConfigException(variable + " must be header:<Name>:<value> with a valid header name (value not shown)");
    }
    String value = nameValue.substring(colon + 1);
    requireValue(variable, value, "header:<Name>:<value>");
    return new RestAuth("header", name, value);
  }

  private static void requireValue(String variable, String value, String form) {
    if (value.isBlank() || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new ConfigException(variable + " must be " + form + " with a non-empty value without control characters"
        + " (value not shown)");
    }
  }

  /** Sets the authentication header (if any) on {@code headers}, replacing what was there. */
  public void apply(MultiMap headers) {
    if (header != null) {
      headers.set(header, value);
    }
  }

  /** True when a job payload may not set header {@code name} because authentication owns it. */
  public boolean owns(String name) {
    return header != null && header.equalsIgnoreCase(name);
  }

  @Override
  public String toString() {
    return header == null ? "none" : kind + " (" + header + ": ***)";
  }
}
