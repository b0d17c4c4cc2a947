package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.emp.core.model.JobStatus;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Log injection through a job (docs/security.md#hostile-input): text a client put in a payload comes
 * back in the connector's failure message, which the worker logs. A line break in it must not start
 * a forged log line.
 */
class LogInjectionTest extends WorkerTestBase {
  private static final String FORGED = "x\n2026-11-28 23:59:59.000 INFO  [main] io.emp.worker.OutcomeReporter -"
    + " worker m1-worker-0 job 01JGZ4Y1N6Q3W8K2V5T7R9M0AB: completed\r\n\u001b[2J\u2028";

  @Test
  @DisplayName("a failure message carrying a client's line break is logged escaped, on one line")
  void failureMessageDoesNotForgeLines() {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try {
      deploy(env());
      // the simulation connector answers an invalid field with a message quoting the value
      String id = submit(new JsonObject().put("fail", FORGED));
      awaitStatus(id, JobStatus.FAILED, 10_000);
      assertThat(job(id).error()).as("the stored error keeps the text as sent").contains(FORGED);
      // the worker logs the failure once Redis answered its report, which may be after the poll saw it
      until("the failure is logged", 10_000, () -> snapshot(logs).stream()
        .anyMatch(e -> e.getFormattedMessage().contains("failed") && e.getFormattedMessage().contains("x\\n2026-11-28")));
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    List<ILoggingEvent> lines = snapshot(logs);
    assertThat(lines).as("the failure was logged").anySatisfy(e ->
      assertThat(e.getFormattedMessage()).contains("failed").contains("x\\n2026-11-28"));
    for (ILoggingEvent e : lines) {
      assertThat(e.getFormattedMessage()).as("log line of %s", e.getLoggerName())
        .doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b").doesNotContain("\u2028");
    }
  }

  /** The events so far: the appender adds under its own lock (AppenderBase.doAppend is synchronized). */
  private static List<ILoggingEvent> snapshot(ListAppender<ILoggingEvent> logs) {
    synchronized (logs) {
      return List.copyOf(logs.list);
    }
  }
}
