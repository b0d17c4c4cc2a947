package io.emp.worker.connector.rest;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * The part of the REST connectors' settings that says where and how to call the backend, read with a
 * prefix ({@code EMP_REST_} or {@code EMP_REST_ASYNC_}):
 *
 * @param baseUrl    {@code <prefix>BASE_URL} (required): every request goes below it
 * @param auth       {@code <prefix>AUTH} (none): see {@link RestAuth}
 * @param timeoutMs  {@code <prefix>TIMEOUT_S} (60): limit of one HTTP request, answer included
 * @param healthPath {@code <prefix>HEALTH_PATH} (/health): {@code GET} below the base URL; 2xx = up
 */
public record RestEndpoint(URI baseUrl, RestAuth auth, long timeoutMs, String healthPath) {
  public static final double DEFAULT_TIMEOUT_S = 60;
  public static final String DEFAULT_HEALTH_PATH = "/health";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  static RestEndpoint from(EnvConfig env, String prefix) {
    URI base = baseUrl(prefix + "BASE_URL", env.required(prefix + "BASE_URL"));
    RestAuth auth = RestAuth.parse(prefix + "AUTH", env.raw(prefix + "AUTH"));
    long timeoutMs = Math.round(env.decimal(prefix + "TIMEOUT_S", DEFAULT_TIMEOUT_S, 0.01, 86_400) * 1000);
    String health = env.string(prefix + "HEALTH_PATH", DEFAULT_HEALTH_PATH);
    try {
      io.emp.worker.connector.http.SafePath.resolve(base, health);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(prefix + "HEALTH_PATH=" + health + ": " + e.getMessage());
    }
    return new RestEndpoint(base, auth, timeoutMs, health);
  }

  /** An http(s) URL with a host and no query, user info or fragment; a trailing slash is dropped. */
  static URI baseUrl(String variable, String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new ConfigException(variable + " is not a valid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new ConfigException(variable + "=" + text + " must be an http:// or https:// URL with a host");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new ConfigException(variable + " must not contain a query, a fragment or credentials (use "
        + variable.replace("BASE_URL", "AUTH") + ")");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return URI.create(scheme + "://" + uri.getRawAuthority() + (path.endsWith("/") ? path.substring(0, path.length() - 1) : path));
  }

  /** A service name as the broker accepts it. */
  static String service(EnvConfig env, String variable, String fallback) {
    String service = env.string(variable, fallback);
    if (!NAME.matcher(service).matches()) {
      throw new ConfigException(variable + "=" + service + " must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    return service;
  }
}
