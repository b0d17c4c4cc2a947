package io.emp.monitor;

import io.emp.core.LogSafe;
import io.emp.core.bus.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-bus bridge's allow-list and authentication (docs/monitor.md#the-bridge). Deny by default:
 * browsers may register only on {@code emp.events.*} and send only to the two monitor RPC addresses,
 * and every register and send must carry the operator token in its headers. A refused frame is
 * answered with an {@code err} frame by the bridge and logged here; socket open and close are logged.
 * The same rules are set as the bridge's permitted options, so the check holds twice.
 */
final class BridgeGuard implements Handler<BridgeEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeGuard.class);
  static final String OUTBOUND_REGEX = "emp\\.events\\..+";
  private static final Pattern OUTBOUND = Pattern.compile(OUTBOUND_REGEX);
  static final Set<String> INBOUND = Set.of(Addresses.MONITOR_SNAPSHOT, Addresses.MONITOR_COMMAND);

  private final OperatorToken token;
  private final AtomicInteger open = new AtomicInteger();

  BridgeGuard(OperatorToken token) {
    this.token = token;
  }

  /** The bridge options matching this guard. */
  static SockJSBridgeOptions options(long pingTimeoutMs) {
    SockJSBridgeOptions o = new SockJSBridgeOptions()
      .addOutboundPermitted(new PermittedOptions().setAddressRegex(OUTBOUND_REGEX))
      .setPingTimeout(pingTimeoutMs)
      .setMaxHandlersPerSocket(64);
    INBOUND.forEach(a -> o.addInboundPermitted(new PermittedOptions().setAddress(a)));
    return o;
  }

  /** Sockets currently open. */
  int openSockets() {
    return open.get();
  }

  @Override
  public void handle(BridgeEvent event) {
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> {
        LOG.info("bridge socket opened from {} ({} open)", remote(event), open.incrementAndGet());
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        LOG.info("bridge socket closed from {} ({} open)", remote(event), open.decrementAndGet());
        event.complete(true);
      }
      case REGISTER -> decide(event, OUTBOUND.matcher(address(event)).matches(), true);
      case SEND -> decide(event, INBOUND.contains(address(event)),
        !Addresses.MONITOR_COMMAND.equals(address(event))); // commands check their own scope
      case PUBLISH -> decide(event, false, true); // nothing may be published from a browser
      default -> event.complete(true); // pings, unregisters, deliveries of permitted registrations
    }
  }

  /** @param needsRead the frame reads fleet data: the token must have the {@code read} scope */
  private void decide(BridgeEvent event, boolean permitted, boolean needsRead) {
    String address = address(event);
    if (!permitted) {
      LOG.warn("bridge refused {} to {} from {}: address not permitted", event.type(), LogSafe.of(address, 200),
        remote(event));
      event.complete(false);
      return;
    }
    JsonObject headers = event.getRawMessage().getJsonObject("headers");
    String presented = headers == null ? null : headers.getString(OperatorToken.HEADER);
    int refusal = needsRead ? token.check(presented, io.emp.core.auth.Scope.READ) : token.known(presented);
    if (refusal != 0) {
      LOG.warn("bridge refused {} to {} from {}: {}", event.type(), LogSafe.of(address, 200), remote(event),
        refusal == 401 ? "no token" : "unknown token or no read scope");
      event.complete(false);
      return;
    }
    event.complete(true);
  }

  private static String address(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    String a = raw == null ? null : raw.getString("address");
    return a == null ? "" : a;
  }

  private static String remote(BridgeEvent event) {
    var socket = event.socket();
    return socket == null || socket.remoteAddress() == null ? "?" : socket.remoteAddress().toString();
  }
}
