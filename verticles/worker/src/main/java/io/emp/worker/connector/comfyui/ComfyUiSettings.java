package io.emp.worker.connector.comfyui;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Settings of the {@code comfyui} connector, parsed once from {@code EMP_*} variables.
 *
 * <p>ComfyUI runs one process per GPU. Either every worker of the process talks to one
 * {@code EMP_COMFYUI_URL}, or worker {@code n} talks to {@code http://EMP_COMFYUI_HOST:(EMP_COMFYUI_BASE_PORT + n)}
 * (worker n ↔ GPU n ↔ port base+n).
 *
 * @param url                 {@code EMP_COMFYUI_URL} (none): one ComfyUI for every worker; null = per-GPU ports
 * @param host                {@code EMP_COMFYUI_HOST} (127.0.0.1)
 * @param basePort            {@code EMP_COMFYUI_BASE_PORT} (8188): port of worker 0
 * @param service             {@code EMP_COMFYUI_SERVICE} (comfyui); {@code {n}} is replaced by the worker index
 * @param inlineOutputBytes   {@code EMP_INLINE_OUTPUT_BYTES} (2 MiB): outputs up to this total are returned inline
 * @param outputDir           {@code EMP_OUTPUT_DIR} ({@code java.io.tmpdir}/emp-outputs): where larger outputs go
 * @param timeoutS            {@code EMP_COMFYUI_TIMEOUT_S} (30): per-request HTTP timeout
 * @param wsReconnectMs       {@code EMP_COMFYUI_WS_RECONNECT_MS} (1000): pause between reconnects and history polls
 * @param wsReconnectAttempts {@code EMP_COMFYUI_WS_RECONNECT_ATTEMPTS} (10): reconnects per lost socket, and
 *                            failed status checks in a row before a job gives up on an unreachable ComfyUI
 */
public record ComfyUiSettings(URI url, String host, int basePort, String service, long inlineOutputBytes,
                              String outputDir, int timeoutS, long wsReconnectMs, int wsReconnectAttempts) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_BASE_PORT = 8188;
  public static final String DEFAULT_SERVICE = "comfyui";
  public static final long DEFAULT_INLINE_OUTPUT_BYTES = 2_097_152;
  public static final int DEFAULT_TIMEOUT_S = 30;
  public static final long DEFAULT_WS_RECONNECT_MS = 1_000;
  public static final int DEFAULT_WS_RECONNECT_ATTEMPTS = 10;
  private static final long MAX_INLINE_OUTPUT_BYTES = 64L * 1024 * 1024;
  private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.:\\[\\]-]{1,253}");

  public static ComfyUiSettings from(EnvConfig env) {
    URI url = url(env);
    if (url != null && (env.raw("EMP_COMFYUI_HOST") != null || env.raw("EMP_COMFYUI_BASE_PORT") != null)) {
      throw new ConfigException("EMP_COMFYUI_URL is set together with EMP_COMFYUI_HOST/EMP_COMFYUI_BASE_PORT: "
        + "set either one URL for every worker or a host and base port (one ComfyUI per GPU)");
    }
    String host = env.string("EMP_COMFYUI_HOST", DEFAULT_HOST);
    if (!HOST.matcher(host).matches()) {
      throw new ConfigException("EMP_COMFYUI_HOST=" + host + " must be a host name or IP address");
    }
    String service = env.string("EMP_COMFYUI_SERVICE", DEFAULT_SERVICE);
    if (!SERVICE.matcher(service.replace("{n}", "0")).matches()) {
      throw new ConfigException("EMP_COMFYUI_SERVICE=" + service + " must be 1-64 characters of [A-Za-z0-9_.:-] "
        + "(with {n} for the worker index)");
    }
    return new ComfyUiSettings(url, host,
      env.integer("EMP_COMFYUI_BASE_PORT", DEFAULT_BASE_PORT, 1, 65_535),
      service,
      env.longValue("EMP_INLINE_OUTPUT_BYTES", DEFAULT_INLINE_OUTPUT_BYTES, 0, MAX_INLINE_OUTPUT_BYTES),
      outputDir(env),
      env.integer("EMP_COMFYUI_TIMEOUT_S", DEFAULT_TIMEOUT_S, 1, 3_600),
      env.longValue("EMP_COMFYUI_WS_RECONNECT_MS", DEFAULT_WS_RECONNECT_MS, 10, 600_000),
      env.integer("EMP_COMFYUI_WS_RECONNECT_ATTEMPTS", DEFAULT_WS_RECONNECT_ATTEMPTS, 0, 10_000));
  }

  /** The ComfyUI base URL of worker {@code workerIndex}. */
  public URI baseUrl(int workerIndex) {
    if (url != null) {
      return url;
    }
    int port = basePort + workerIndex;
    if (port > 65_535) {
      throw new IllegalArgumentException("EMP_COMFYUI_BASE_PORT=" + basePort + " + worker index " + workerIndex
        + " is not a valid port");
    }
    return URI.create("http://" + host + ":" + port);
  }

  /** The service name of worker {@code workerIndex}. */
  public String serviceFor(int workerIndex) {
    return service.replace("{n}", Integer.toString(workerIndex));
  }

  public long timeoutMs() {
    return timeoutS * 1_000L;
  }

  private static URI url(EnvConfig env) {
    String raw = env.raw("EMP_COMFYUI_URL");
    if (raw == null) {
      return null;
    }
    try {
      URI u = new URI(raw);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase();
      if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
        throw new ConfigException("EMP_COMFYUI_URL=" + raw + " must be an http:// or https:// URL with a host");
      }
      if (u.getRawQuery() != null || u.getRawFragment() != null) {
        throw new ConfigException("EMP_COMFYUI_URL=" + raw + " must not have a query or fragment");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ConfigException("EMP_COMFYUI_URL=" + raw + " is not a valid URL: " + e.getMessage());
    }
  }

  private static String outputDir(EnvConfig env) {
    String dir = env.string("EMP_OUTPUT_DIR", System.getProperty("java.io.tmpdir") + "/emp-outputs");
    try {
      return Path.of(dir).toAbsolutePath().normalize().toString();
    } catch (InvalidPathException e) {
      throw new ConfigException("EMP_OUTPUT_DIR=" + dir + " is not a valid path: " + e.getMessage());
    }
  }
}
