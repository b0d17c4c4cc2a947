package io.emp.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.emp.core.bus.Addresses;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Log injection through the bridge (docs/security.md#hostile-input): a browser chooses the address of
 * its frames and the ids in its commands; a line break in them must not start a forged log line.
 */
class LogInjectionTest {
  private static final String FORGED = "\n2026-11-28 23:59:59.000 INFO  [main] io.emp.monitor.CommandRpc - operator admin:"
    + " {\"op\":\"cancel\"}\r\n\u001b[2J";
  private static MonitorFixture fx;

  @BeforeAll
  static void start() {
    fx = new MonitorFixture().start();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  @Test
  @DisplayName("an address, a job id or a machine id with a line break is logged escaped, on one line")
  void hostileIdsDoNotForgeLines() throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try (BridgeClient c = BridgeClient.connect(fx.vertx(), fx.monitorPort())) {
      c.send("emp.internal" + FORGED, new JsonObject(), MonitorFixture.TOKEN);
      assertThat(c.next(f -> "err".equals(f.getString("type")), 5_000)).isNotNull();
      for (JsonObject command : List.of(
        new JsonObject().put("op", "cancel").put("id", "01JGZ4Y1N6Q3W8K2V5T7R9M0AB" + FORGED),
        new JsonObject().put("op", "restart_service").put("machine", "m1" + FORGED).put("service", "s" + FORGED),
        new JsonObject().put("op", "submit").put("service", "s").put("payload", new JsonObject().put("p", FORGED)))) {
        JsonObject reply = c.reply(c.send(Addresses.MONITOR_COMMAND, command, MonitorFixture.TOKEN));
        assertThat(reply).isNotNull();
      }
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    List<ILoggingEvent> lines;
    synchronized (logs) { // the appender adds under its own lock; an append may still be finishing
      lines = List.copyOf(logs.list);
    }
    assertThat(lines).as("the refused address was logged").anySatisfy(e ->
      assertThat(e.getFormattedMessage()).contains("bridge refused").contains("\\n2026-11-28"));
    for (ILoggingEvent e : lines) {
      assertThat(e.getFormattedMessage()).as("log line of %s", e.getLoggerName())
        .doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b");
    }
  }
}
