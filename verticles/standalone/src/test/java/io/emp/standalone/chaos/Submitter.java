package io.emp.standalone.chaos;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A well-behaved client under chaos: every job gets an idempotency key, and a submit whose answer
 * did not arrive (connection refused or reset by a dying api, timeout, 5xx, 429) is sent again with
 * the same key — to the next api — until one acknowledges it. The broker answers a repeated key with
 * the first job's id, so a lost acknowledgement never becomes a lost or a duplicated job. Every
 * acknowledgement goes to the {@link Ledger}.
 */
final class Submitter implements AutoCloseable {
  private static final long REQUEST_TIMEOUT_MS = 10_000;
  private final List<String> apis;
  private final Ledger ledger;
  private final Semaphore inFlight;
  private final int maxInFlight;
  private final HttpClient http;
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r -> {
    Thread t = new Thread(r, "chaos-submit-timer");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong seq = new AtomicLong();
  private final AtomicInteger rr = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread loadThread;
  final AtomicLong attempts = new AtomicLong();
  final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  final List<String> refusals = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  Submitter(List<String> apis, Ledger ledger, int maxInFlight) {
    this.apis = List.copyOf(apis);
    this.ledger = ledger;
    this.maxInFlight = maxInFlight;
    this.inFlight = new Semaphore(maxInFlight);
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .executor(Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "chaos-http");
        t.setDaemon(true);
        return t;
      }))
      .build();
  }

  /** Submits one job (blocks while {@code maxInFlight} submissions are unanswered). */
  void submit(JsonObject job) {
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    String key = ledger.tag + "-" + seq.incrementAndGet();
    JsonObject body = job.copy().put("idempotency_key", key).put("customer_id", ledger.tag);
    attempt(key, body.encode(), System.currentTimeMillis(), 1, rr.getAndIncrement());
  }

  private void attempt(String key, String body, long firstTry, int tries, int apiIndex) {
    if (closed.get()) {
      inFlight.release();
      return;
    }
    attempts.incrementAndGet();
    String api = apis.get(Math.floorMod(apiIndex, apis.size()));
    HttpRequest req = HttpRequest.newBuilder(URI.create(api + "/api/jobs"))
      .timeout(Duration.ofMillis(REQUEST_TIMEOUT_MS))
      .header("Authorization", "Bearer " + Fleet.TOKEN)
      .header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(body))
      .build();
    http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
      if (e == null && (r.statusCode() == 201 || r.statusCode() == 200)) {
        String id = new JsonObject(r.body()).getString("id");
        ledger.ack(key, id, firstTry, System.currentTimeMillis(), tries, r.statusCode() == 200);
        inFlight.release();
        return;
      }
      long delay = Math.min(2_000, 100L << Math.min(5, tries - 1));
      if (e != null) {
        Throwable c = e.getCause() == null ? e : e.getCause();
        count(c.getClass().getSimpleName());
      } else if (r.statusCode() == 429 || r.statusCode() >= 500) {
        count("HTTP " + r.statusCode());
        String after = r.headers().firstValue("Retry-After").orElse(null);
        if (after != null) {
          try {
            delay = Math.max(delay, Long.parseLong(after.trim()) * 1000);
          } catch (NumberFormatException ignored) {
            // a date: keep the backoff
          }
        }
      } else {
        count("HTTP " + r.statusCode());
        refusals.add(r.statusCode() + " " + r.body());
        inFlight.release();
        return; // a refusal is final: the test's job is wrong, retrying cannot help
      }
      timer.schedule(() -> attempt(key, body, firstTry, tries + 1, apiIndex + 1), delay, TimeUnit.MILLISECONDS);
    });
  }

  private void count(String kind) {
    errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  /** Submits {@code perSecond} jobs a second from {@code jobs} in the background until {@link #stopLoad}. */
  void startLoad(double perSecond, Supplier<JsonObject> jobs) {
    long periodNs = (long) (1e9 / perSecond);
    Thread t = new Thread(() -> {
      long next = System.nanoTime();
      while (!closed.get() && !Thread.currentThread().isInterrupted()) {
        submit(jobs.get());
        next += periodNs;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(wait);
          } catch (InterruptedException e) {
            return;
          }
        } else if (wait < -1_000_000_000L) {
          next = System.nanoTime(); // blocked by in-flight submits: do not burst to catch up
        }
      }
    }, "chaos-load");
    t.setDaemon(true);
    loadThread = t;
    t.start();
  }

  void stopLoad() {
    Thread t = loadThread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      loadThread = null;
    }
  }

  /** Waits until every submit was acknowledged (or refused). */
  void awaitIdle(long timeoutMs) {
    try {
      if (!inFlight.tryAcquire(maxInFlight, timeoutMs, TimeUnit.MILLISECONDS)) {
        throw new AssertionError((maxInFlight - inFlight.availablePermits()) + " submit(s) still unacknowledged after "
          + timeoutMs + " ms; errors " + errors);
      }
      inFlight.release(maxInFlight);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  long submitted() {
    return seq.get();
  }

  @Override
  public void close() {
    stopLoad();
    closed.set(true);
    timer.shutdownNow();
  }
}
