package io.emp.worker.connector.websocket;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Settings of the {@code websocket} connector: where to connect, how long to wait, and which message
 * fields mean what.
 *
 * @param url              {@code EMP_WS_URL} (required): {@code ws://} or {@code wss://}
 * @param service          {@code EMP_WS_SERVICE} (websocket)
 * @param connectTimeoutMs {@code EMP_WS_CONNECT_TIMEOUT_S} (10): connect and handshake
 * @param messageTimeoutMs {@code EMP_WS_MESSAGE_TIMEOUT_S} (60): longest silence (no message for the job)
 * @param idField          {@code EMP_WS_ID_FIELD} (job_id): set to the job id in the sent message; replies
 *                         must carry it
 * @param typeField        {@code EMP_WS_TYPE_FIELD} (type)
 * @param progressType     {@code EMP_WS_PROGRESS_TYPE} (progress)
 * @param progressField    {@code EMP_WS_PROGRESS_FIELD} (progress): 0–100
 * @param resultType       {@code EMP_WS_RESULT_TYPE} (result)
 * @param resultField      {@code EMP_WS_RESULT_FIELD} (result)
 * @param errorType        {@code EMP_WS_ERROR_TYPE} (error)
 * @param errorField       {@code EMP_WS_ERROR_FIELD} (message)
 */
public record WebSocketSettings(URI url, String service, long connectTimeoutMs, long messageTimeoutMs,
                                String idField, String typeField, String progressType, String progressField,
                                String resultType, String resultField, String errorType, String errorField) {
  public static final String DEFAULT_SERVICE = "websocket";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  public static WebSocketSettings from(EnvConfig env) {
    String service = env.string("EMP_WS_SERVICE", DEFAULT_SERVICE);
    if (!NAME.matcher(service).matches()) {
      throw new ConfigException("EMP_WS_SERVICE=" + service + " must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    return new WebSocketSettings(url(env.required("EMP_WS_URL")), service,
      millis(env, "EMP_WS_CONNECT_TIMEOUT_S", 10),
      millis(env, "EMP_WS_MESSAGE_TIMEOUT_S", 60),
      env.string("EMP_WS_ID_FIELD", "job_id"),
      env.string("EMP_WS_TYPE_FIELD", "type"),
      env.string("EMP_WS_PROGRESS_TYPE", "progress"),
      env.string("EMP_WS_PROGRESS_FIELD", "progress"),
      env.string("EMP_WS_RESULT_TYPE", "result"),
      env.string("EMP_WS_RESULT_FIELD", "result"),
      env.string("EMP_WS_ERROR_TYPE", "error"),
      env.string("EMP_WS_ERROR_FIELD", "message"));
  }

  /** The URL without its query (which may carry a token), for messages and logs. */
  public String displayUrl() {
    return url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  private static long millis(EnvConfig env, String name, double fallbackS) {
    return Math.round(env.decimal(name, fallbackS, 0.01, 86_400) * 1000);
  }

  private static URI url(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new ConfigException("EMP_WS_URL is not a valid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    if (!(scheme.equals("ws") || scheme.equals("wss")) || uri.getHost() == null) {
      throw new ConfigException("EMP_WS_URL=" + text + " must be a ws:// or wss:// URL with a host");
    }
    return uri;
  }
}
