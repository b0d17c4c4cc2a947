package io.emp.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The per-job throttle on a real Vert.x context, with a sender that records what it was given. */
class ProgressThrottleTest {
  private static Vertx vertx;
  private Context context;

  /** Records sends; each takes {@code latencyMs} to be answered, like a Redis round trip. */
  private static final class Recorder implements ProgressThrottle.Sender {
    record Sent(long atMs, double percent, String message) {
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final long latencyMs;

    Recorder(long latencyMs) {
      this.latencyMs = latencyMs;
    }

    @Override
    public Future<?> send(double percent, String message) {
      sent.add(new Sent(System.nanoTime() / 1_000_000, percent, message));
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      Promise<Void> p = Promise.promise();
      vertx.setTimer(latencyMs, t -> {
        inFlight.decrementAndGet();
        p.complete();
      });
      return p.future();
    }

    List<Double> percents() {
      return sent.stream().map(Sent::percent).toList();
    }

    double last() {
      return sent.isEmpty() ? -1 : sent.get(sent.size() - 1).percent();
    }
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void newContext() {
    context = vertx.getOrCreateContext();
  }

  /** Runs {@code action} on the test context and waits for it. */
  private void onContext(Runnable action) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      action.run();
      done.complete(null);
    });
    done.get(5, TimeUnit.SECONDS);
  }

  private static void until(String what, java.util.function.BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5_000;
    while (!cond.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("waiting until " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** Feeds {@code updates} evenly from {@code from} to 100 %, one every {@code everyMs}, on the context. */
  private void feed(ProgressThrottle throttle, double from, int updates, long everyMs) {
    AtomicInteger i = new AtomicInteger();
    context.runOnContext(v -> vertx.setPeriodic(everyMs, id -> {
      int n = i.incrementAndGet();
      throttle.update(from + (100 - from) * n / updates, "update " + n);
      if (n == updates) {
        vertx.cancelTimer(id);
      }
    }));
  }

  @Test
  @DisplayName("a burst of updates is sent at most 4 times a second, one at a time, ending with 100 %")
  void burst() throws Exception {
    Recorder rec = new Recorder(5);
    ProgressThrottle throttle = new ProgressThrottle(vertx, 250, rec);
    long t0 = System.nanoTime() / 1_000_000;
    feed(throttle, 0, 300, 3);
    until("100 % was sent", () -> rec.last() == 100.0);
    long elapsed = System.nanoTime() / 1_000_000 - t0;

    assertThat(rec.sent.size()).as("sends over %d ms", elapsed).isLessThanOrEqualTo((int) (elapsed / 250) + 2);
    assertThat(rec.sent.size()).isGreaterThanOrEqualTo(2);
    assertThat(rec.percents()).isSorted();
    assertThat(rec.maxInFlight.get()).isEqualTo(1);
    for (int k = 1; k < rec.sent.size() - 1; k++) {
      assertThat(rec.sent.get(k).atMs() - rec.sent.get(k - 1).atMs())
        .as("gap before send %d", k).isGreaterThanOrEqualTo(240);
    }
  }

  @Test
  @DisplayName("the last update of a burst is sent after the interval even when nothing follows it")
  void trailingUpdate() throws Exception {
    Recorder rec = new Recorder(1);
    ProgressThrottle throttle = new ProgressThrottle(vertx, 250, rec);
    onContext(() -> {
      throttle.update(10, "a");
      throttle.update(20, "b");
      throttle.update(30, "c");
    });
    until("the trailing update was sent", () -> rec.sent.size() == 2);
    Thread.sleep(400);
    assertThat(rec.sent).extracting(Recorder.Sent::message).containsExactly("a", "c");
    assertThat(rec.sent.get(1).atMs() - rec.sent.get(0).atMs()).isGreaterThanOrEqualTo(240);
  }

  @Test
  @DisplayName("100 % is sent at once, without waiting for the interval")
  void hundredIsUrgent() throws Exception {
    Recorder rec = new Recorder(1);
    ProgressThrottle throttle = new ProgressThrottle(vertx, 60_000, rec);
    onContext(() -> throttle.update(10, "start"));
    until("the first update was sent", () -> rec.sent.size() == 1);
    onContext(() -> {
      throttle.update(50, "half");
      throttle.update(100, "done");
    });
    until("100 % was sent despite a one-minute interval", () -> rec.last() == 100.0);
    assertThat(rec.sent).extracting(Recorder.Sent::message).containsExactly("start", "done");
  }

  @Test
  @DisplayName("progress never goes backwards and stays within 0-100")
  void clamped() throws Exception {
    Recorder rec = new Recorder(1);
    ProgressThrottle throttle = new ProgressThrottle(vertx, 1, rec);
    onContext(() -> throttle.update(50, "a"));
    until("sent", () -> rec.sent.size() == 1);
    Thread.sleep(5);
    onContext(() -> throttle.update(40, "b"));
    until("sent", () -> rec.sent.size() == 2);
    Thread.sleep(5);
    onContext(() -> throttle.update(-3, "c"));
    until("sent", () -> rec.sent.size() == 3);
    assertThat(rec.percents()).containsExactly(50.0, 50.0, 50.0);
    assertThat(rec.sent).extracting(Recorder.Sent::message).containsExactly("a", "b", "c");
    onContext(() -> throttle.update(250, "d"));
    until("sent", () -> rec.sent.size() == 4);
    assertThat(rec.last()).isEqualTo(100.0);
  }

  @Test
  @DisplayName("two jobs running at once each get their own updates through")
  void parallelJobs() throws Exception {
    Recorder a = new Recorder(5);
    Recorder b = new Recorder(5);
    ProgressThrottle ta = new ProgressThrottle(vertx, 250, a);
    ProgressThrottle tb = new ProgressThrottle(vertx, 250, b);
    feed(ta, 0, 200, 3);
    feed(tb, 0, 150, 4);
    until("both reached 100 %", () -> a.last() == 100.0 && b.last() == 100.0);
    assertThat(a.sent.size()).isGreaterThanOrEqualTo(2);
    assertThat(b.sent.size()).isGreaterThanOrEqualTo(2);
    assertThat(a.sent).extracting(Recorder.Sent::message).last().isEqualTo("update 200");
    assertThat(b.sent).extracting(Recorder.Sent::message).last().isEqualTo("update 150");
  }

  @Test
  @DisplayName("flush sends a waiting update at once and completes when the broker has answered")
  void flush() throws Exception {
    Recorder rec = new Recorder(20);
    ProgressThrottle throttle = new ProgressThrottle(vertx, 60_000, rec);
    CompletableFuture<Void> flushed = new CompletableFuture<>();
    onContext(() -> {
      throttle.update(10, "a");
      throttle.update(20, "b");
      throttle.flush().onComplete(ar -> flushed.complete(null));
    });
    flushed.get(5, TimeUnit.SECONDS);
    assertThat(rec.sent).extracting(Recorder.Sent::message).containsExactly("a", "b");
    assertThat(rec.inFlight.get()).isZero();
  }

  @Test
  @DisplayName("after close a waiting update is dropped")
  void close() throws Exception {
    Recorder rec = new Recorder(1);
    ProgressThrottle throttle = new ProgressThrottle(vertx, 200, rec);
    onContext(() -> {
      throttle.update(10, "a");
      throttle.update(20, "b");
      throttle.close();
    });
    Thread.sleep(400);
    assertThat(rec.sent).extracting(Recorder.Sent::message).containsExactly("a");
  }
}
