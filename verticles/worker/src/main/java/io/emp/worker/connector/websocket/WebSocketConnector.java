package io.emp.worker.connector.websocket;

import io.emp.worker.connector.Connector;
import io.emp.worker.connector.ConnectorEnv;
import io.emp.worker.connector.ConnectorHealth;
import io.emp.worker.connector.JobContext;
import io.emp.worker.connector.JobOutcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code websocket} connector: one connection per job ({@link WsJob}) — connect, send the payload
 * with the job id, map the replies carrying that id to progress, result or error, close. Every wait is
 * bounded: the connect by {@code EMP_WS_CONNECT_TIMEOUT_S}, each silence by
 * {@code EMP_WS_MESSAGE_TIMEOUT_S}, the whole job by the worker's timeout (which cancels, closing the
 * socket). The original connector hung on its first progress message.
 */
public final class WebSocketConnector implements Connector {
  static final long HEALTH_TIMEOUT_MS = 1_500;
  /** Largest message accepted (a result travels in one message). */
  static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private final WebSocketSettings settings;
  private final Vertx vertx;
  private final WebSocketClient client;

  public WebSocketConnector(WebSocketSettings settings, ConnectorEnv env) {
    this.settings = settings;
    this.vertx = env.vertx();
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxMessageSize(MAX_MESSAGE_BYTES)
      .setConnectTimeout((int) settings.connectTimeoutMs())
      .setClosingTimeout(2));
  }

  @Override
  public String service() {
    return settings.service();
  }

  /** Connects and closes again within {@link #HEALTH_TIMEOUT_MS}. */
  @Override
  public Future<ConnectorHealth> health() {
    return connect(Math.min(HEALTH_TIMEOUT_MS, settings.connectTimeoutMs()))
      .compose(ws -> ws.close().transform(ar -> Future.succeededFuture(ConnectorHealth.up())))
      .recover(e -> Future.succeededFuture(ConnectorHealth.down("websocket " + settings.displayUrl() + ": " + e.getMessage())));
  }

  @Override
  public Future<Void> stop() {
    return client.close();
  }

  @Override
  public Future<JobOutcome> run(JobContext job) {
    return new WsJob(vertx, this, settings, job).start();
  }

  /**
   * Opens a socket to {@code EMP_WS_URL}, failing with a {@link TimeoutException} after {@code timeoutMs}.
   * A socket that opens after the deadline is closed at once.
   */
  Future<WebSocket> connect(long timeoutMs) {
    URI url = settings.url();
    boolean tls = url.getScheme().equalsIgnoreCase("wss");
    String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
      + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setHost(url.getHost())
      .setPort(url.getPort() > 0 ? url.getPort() : tls ? 443 : 80)
      .setSsl(tls)
      .setURI(path)
      .setConnectTimeout(timeoutMs)
      .setTimeout(timeoutMs);
    Future<WebSocket> connecting = client.connect(options);
    return connecting.timeout(timeoutMs, TimeUnit.MILLISECONDS).recover(e -> {
      connecting.onSuccess(WebSocket::close);
      return Future.failedFuture(e instanceof TimeoutException
        ? new TimeoutException("not connected within " + timeoutMs + " ms") : e);
    });
  }
}
