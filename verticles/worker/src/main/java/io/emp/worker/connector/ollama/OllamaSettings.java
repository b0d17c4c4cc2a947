package io.emp.worker.connector.ollama;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Settings of the {@code ollama} connector.
 *
 * @param url      {@code EMP_OLLAMA_URL} (http://127.0.0.1:11434): the Ollama server; a path prefix is kept
 *                 (a reverse proxy at {@code http://gw/ollama} is called as {@code http://gw/ollama/api/...})
 * @param service  {@code EMP_OLLAMA_SERVICE} (ollama): the service name jobs ask for
 * @param timeoutS {@code EMP_OLLAMA_TIMEOUT_S} (300): longest silence of a request — no byte of the answer
 *                 for this long (model loading, a stalled stream, a stalled pull) closes it, retryably
 * @param pull     {@code EMP_OLLAMA_PULL} (true): pull a model the server lacks before running the job
 */
public record OllamaSettings(URI url, String service, int timeoutS, boolean pull) {
  public static final String DEFAULT_URL = "http://127.0.0.1:11434";
  public static final String DEFAULT_SERVICE = "ollama";
  public static final int DEFAULT_TIMEOUT_S = 300;
  static final int MAX_TIMEOUT_S = 86_400;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  public static OllamaSettings from(EnvConfig env) {
    String service = env.string("EMP_OLLAMA_SERVICE", DEFAULT_SERVICE);
    if (!NAME.matcher(service).matches()) {
      throw new ConfigException("EMP_OLLAMA_SERVICE=" + service + " must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    return new OllamaSettings(
      httpUrl("EMP_OLLAMA_URL", env.string("EMP_OLLAMA_URL", DEFAULT_URL)),
      service,
      env.integer("EMP_OLLAMA_TIMEOUT_S", DEFAULT_TIMEOUT_S, 1, MAX_TIMEOUT_S),
      env.bool("EMP_OLLAMA_PULL", true));
  }

  /** Defaults with another server URL (tests). */
  public static OllamaSettings of(String url) {
    return new OllamaSettings(httpUrl("url", url), DEFAULT_SERVICE, DEFAULT_TIMEOUT_S, true);
  }

  public OllamaSettings withTimeoutS(int seconds) {
    return new OllamaSettings(url, service, seconds, pull);
  }

  public OllamaSettings withPull(boolean enabled) {
    return new OllamaSettings(url, service, timeoutS, enabled);
  }

  /** The URL as shown in messages: without user information. */
  String displayUrl() {
    return url.getScheme() + "://" + url.getHost() + ":" + port() + basePath();
  }

  int port() {
    return url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
  }

  boolean ssl() {
    return "https".equals(url.getScheme());
  }

  /** The configured path prefix without a trailing slash ("" for none). */
  String basePath() {
    String p = url.getRawPath() == null ? "" : url.getRawPath();
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  static URI httpUrl(String variable, String value) {
    try {
      URI uri = new URI(value.trim());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new ConfigException(variable + "=" + value + " must be an http(s) URL with a host and no query");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(variable + "=" + value + " is not a valid URL: " + e.getMessage());
    }
  }
}
