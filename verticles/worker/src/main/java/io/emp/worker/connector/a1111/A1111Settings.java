package io.emp.worker.connector.a1111;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * Settings of the {@code a1111} connector (AUTOMATIC1111 stable-diffusion-webui, started with {@code --api}).
 * One A1111 per GPU: worker {@code n} talks to {@code http://<host>:<base port + n>}, unless
 * {@code EMP_A1111_URL} names one A1111 for every worker.
 *
 * @param url        {@code EMP_A1111_URL} (none): one fixed base URL, overriding host and port
 * @param host       {@code EMP_A1111_HOST} (127.0.0.1)
 * @param basePort   {@code EMP_A1111_BASE_PORT} (7860): worker {@code n} uses {@code basePort + n}
 * @param service    {@code EMP_A1111_SERVICE} (a1111): the service name it serves
 * @param timeoutMs  {@code EMP_A1111_TIMEOUT_S} (600): limit of one generation request
 * @param progressMs {@code EMP_A1111_PROGRESS_MS} (500): {@code /sdapi/v1/progress} poll interval while generating
 */
public record A1111Settings(URI url, String host, int basePort, String service, long timeoutMs, long progressMs) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_BASE_PORT = 7860;
  public static final String DEFAULT_SERVICE = "a1111";
  public static final double DEFAULT_TIMEOUT_S = 600;
  public static final long DEFAULT_PROGRESS_MS = 500;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  public static A1111Settings from(EnvConfig env) {
    String service = env.string("EMP_A1111_SERVICE", DEFAULT_SERVICE);
    if (!NAME.matcher(service).matches()) {
      throw new ConfigException("EMP_A1111_SERVICE=" + service + " must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    String url = env.raw("EMP_A1111_URL");
    return new A1111Settings(url == null ? null : url(url),
      env.string("EMP_A1111_HOST", DEFAULT_HOST),
      env.integer("EMP_A1111_BASE_PORT", DEFAULT_BASE_PORT, 1, 65_535),
      service,
      Math.round(env.decimal("EMP_A1111_TIMEOUT_S", DEFAULT_TIMEOUT_S, 0.01, 86_400) * 1000),
      env.longValue("EMP_A1111_PROGRESS_MS", DEFAULT_PROGRESS_MS, 10, 60_000));
  }

  /** The A1111 of worker {@code workerIndex}. */
  public URI baseUrl(int workerIndex) {
    if (url != null) {
      return url;
    }
    int port = basePort + workerIndex;
    if (port > 65_535) {
      throw new ConfigException("EMP_A1111_BASE_PORT=" + basePort + " + worker index " + workerIndex + " exceeds 65535");
    }
    return URI.create("http://" + host + ":" + port);
  }

  private static URI url(String text) {
    URI uri;
    try {
      uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("EMP_A1111_URL is not a valid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawQuery() != null) {
      throw new ConfigException("EMP_A1111_URL=" + text + " must be an http:// or https:// URL with a host and no query");
    }
    return uri;
  }
}
