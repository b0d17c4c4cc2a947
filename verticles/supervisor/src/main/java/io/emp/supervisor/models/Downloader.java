package io.emp.supervisor.models;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams one catalog entry into its partial file with the Vert.x HTTP client — chunk by chunk, never
 * the whole body in memory — hashing with SHA-256 as it writes. A dropped connection is retried with
 * {@code Range: bytes=<have>-} after an exponential backoff; a server that answers 200 instead of 206
 * restarts the file from 0; 416 means the file is complete already (or restarts it). Attempts that
 * add no byte are bounded by {@code EMP_MODELS_RETRIES}; attempts that progress reset the count, so a
 * flaky link still finishes a 15 GB file. Redirects are followed (5 at most), the bearer token only
 * to the catalog URL's host. Reads are paused for the bandwidth cap and while the file's write queue
 * is full. Completes when the partial file holds exactly the catalog's bytes with its hash; the
 * caller renames it into place (and deletes it on failure).
 */
final class Downloader {
  private static final int MAX_REDIRECTS = 5;
  private static final long CONNECT_TIMEOUT_MS = 30_000;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final Vertx vertx;
  private final HttpClient client;
  private final TokenBucket bucket;
  private final ModelsConfig config;
  private final Function<String, String> env;

  /** What a download tells about itself (on the manager's context). */
  interface Listener {
    void progress(long done, long total);

    void retrying(int attempt, String reason, long delayMs, long done);
  }

  /** A failure retrying cannot fix: wrong size, wrong checksum, HTTP 404, too many redirects. */
  static final class Permanent extends RuntimeException {
    Permanent(String message) {
      super(message, null, false, false);
    }
  }

  Downloader(Vertx vertx, HttpClient client, TokenBucket bucket, ModelsConfig config, Function<String, String> env) {
    this.vertx = vertx;
    this.client = client;
    this.bucket = bucket;
    this.config = config;
    this.env = env;
  }

  /** Downloads {@code entry} into {@code partial} (replaced); completes with the number of attempts. */
  Future<Integer> download(ModelCatalog.Entry entry, Path partial, Listener listener) {
    return new Transfer(entry, partial, listener).attempt();
  }

  /** The state of one download across its attempts. */
  private final class Transfer {
    private final ModelCatalog.Entry entry;
    private final Path partial;
    private final Listener listener;
    private final MessageDigest digest = sha256();
    private long have;
    private int attempts;
    private int barren;
    private Throwable lost;

    Transfer(ModelCatalog.Entry entry, Path partial, Listener listener) {
      this.entry = entry;
      this.partial = partial;
      this.listener = listener;
    }

    Future<Integer> attempt() {
      attempts++;
      long before = have;
      return once().transform(ar -> {
        if (ar.succeeded()) {
          return verify();
        }
        if (ar.cause() instanceof Permanent) {
          return Future.failedFuture(ar.cause());
        }
        barren = have > before ? 1 : barren + 1;
        String reason = String.valueOf(ar.cause().getMessage());
        if (barren > config.retries()) {
          return Future.failedFuture(new Permanent("gave up after " + attempts + " attempt(s), the last "
            + barren + " without progress: " + reason));
        }
        long delay = Math.min(ModelsConfig.MAX_BACKOFF_MS, config.retryBackoffMs() << Math.min(20, barren - 1));
        listener.retrying(attempts, reason, delay, have);
        return vertx.timer(delay).compose(t -> attempt());
      });
    }

    private Future<Integer> verify() {
      if (have != entry.bytes()) {
        return Future.failedFuture(new Permanent("size mismatch: got " + have + " bytes, the catalog says " + entry.bytes()));
      }
      String got = HexFormat.of().formatHex(digest.digest());
      if (!got.equals(entry.sha256())) {
        return Future.failedFuture(new Permanent("checksum mismatch: expected sha256 " + entry.sha256() + ", got " + got));
      }
      return Future.succeededFuture(attempts);
    }

    /**
     * One request; succeeds when the whole body arrived, fails (retryable unless Permanent) otherwise.
     * The file is opened before the request so the response's handlers are set as soon as it arrives.
     * Positions are only ever written in order up to the catalog's size, so after a restart from 0 the
     * old tail is overwritten before the download can succeed.
     */
    private Future<Void> once() {
      return vertx.fileSystem().open(partial.toString(), new OpenOptions().setWrite(true).setCreate(true))
        .compose(file -> request(entry.url(), 0)
          .compose(resp -> respond(resp, file))
          .transform(ar -> file.close().transform(c -> {
            if (ar.failed()) {
              return Future.failedFuture(ar.cause());
            }
            return c.failed() ? Future.failedFuture(new Permanent("cannot write " + partial + ": " + c.cause().getMessage()))
              : Future.succeededFuture();
          })));
    }

    private Future<Void> respond(HttpClientResponse resp, AsyncFile file) {
      return switch (resp.statusCode()) {
        case 206 -> partialContent(resp, file);
        case 200 -> fullContent(resp, file);
        case 416 -> rangeNotSatisfiable(resp);
        case 400, 401, 403, 404, 410 -> discard(resp).compose(v -> Future.failedFuture(new Permanent("HTTP "
          + resp.statusCode() + " from " + host(entry.url()))));
        default -> discard(resp).compose(v -> Future.failedFuture(new IllegalStateException("HTTP " + resp.statusCode())));
      };
    }

    /** Sends the GET, following redirects; the final response is paused until its handlers are set. */
    private Future<HttpClientResponse> request(URI url, int hops) {
      RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(url.toString())
        .setFollowRedirects(false)
        .setConnectTimeout(CONNECT_TIMEOUT_MS)
        .setIdleTimeout(config.stallMs());
      if (have > 0) {
        options.putHeader("Range", "bytes=" + have + "-");
      }
      String token = entry.authEnv() == null ? null : env.apply(entry.authEnv());
      if (token != null && Objects.equals(host(url), host(entry.url()))) {
        options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
      }
      return client.request(options).compose(req -> req.send()).compose(resp -> {
        resp.pause();
        lost = null;
        resp.exceptionHandler(e -> lost = e);
        int sc = resp.statusCode();
        String location = resp.getHeader(HttpHeaders.LOCATION);
        if (sc < 300 || sc >= 400 || sc == 304 || location == null) {
          return Future.succeededFuture(resp);
        }
        if (hops >= MAX_REDIRECTS) {
          return discard(resp).compose(v -> Future.failedFuture(new Permanent("more than " + MAX_REDIRECTS + " redirects")));
        }
        return discard(resp).compose(v -> request(url.resolve(location), hops + 1));
      });
    }

    private Future<Void> partialContent(HttpClientResponse resp, AsyncFile file) {
      Matcher m = CONTENT_RANGE.matcher(String.valueOf(resp.getHeader(HttpHeaders.CONTENT_RANGE)));
      if (!m.matches() || Long.parseLong(m.group(1)) != have) {
        String asked = "bytes=" + have + "-";
        restartFromZero();
        return discard(resp).compose(v -> Future.failedFuture(new IllegalStateException("unexpected Content-Range "
          + resp.getHeader(HttpHeaders.CONTENT_RANGE) + " for " + asked + "; restarting from 0")));
      }
      if (!m.group(3).equals("*") && Long.parseLong(m.group(3)) != entry.bytes()) {
        return discard(resp).compose(v -> Future.failedFuture(sizeMismatch(Long.parseLong(m.group(3)))));
      }
      return stream(resp, file);
    }

    private Future<Void> fullContent(HttpClientResponse resp, AsyncFile file) {
      String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null && Long.parseLong(length.trim()) != entry.bytes()) {
        return discard(resp).compose(v -> Future.failedFuture(sizeMismatch(Long.parseLong(length.trim()))));
      }
      restartFromZero(); // a server without range support sends it all again
      return stream(resp, file);
    }

    private Future<Void> rangeNotSatisfiable(HttpClientResponse resp) {
      if (have == entry.bytes()) {
        return discard(resp); // the previous attempt got every byte and only the end was lost
      }
      String asked = "bytes=" + have + "-";
      restartFromZero();
      return discard(resp).compose(v -> Future.failedFuture(new IllegalStateException("HTTP 416 for " + asked
        + "; restarting from 0")));
    }

    private Permanent sizeMismatch(long served) {
      return new Permanent("the server's file has " + served + " bytes, the catalog says " + entry.bytes());
    }

    private void restartFromZero() {
      have = 0;
      digest.reset();
    }

    /** Streams the body into the file from {@code have} on; fails when it ends short. */
    private Future<Void> stream(HttpClientResponse resp, AsyncFile file) {
      file.setWritePos(have);
      return new Sink(resp, file).done.future().compose(v -> have < entry.bytes()
        ? Future.failedFuture(new IllegalStateException("the body ended at " + have + " of " + entry.bytes() + " bytes"))
        : Future.succeededFuture());
    }

    /** Receives the body: hash, write, account, pause for the cap or a full write queue. */
    private final class Sink {
      private final HttpClientResponse resp;
      private final AsyncFile file;
      private final Promise<Void> done = Promise.promise();
      private boolean writeQueueFull;
      private boolean throttled;

      Sink(HttpClientResponse resp, AsyncFile file) {
        this.resp = resp;
        this.file = file;
        file.exceptionHandler(e -> fail(new Permanent("cannot write " + partial + ": " + e.getMessage())));
        resp.exceptionHandler(e -> fail(e));
        resp.endHandler(v -> done.tryComplete());
        resp.handler(this::data);
        if (lost != null) {
          fail(lost);
        } else {
          resp.resume();
        }
      }

      private void data(Buffer chunk) {
        if (done.future().isComplete()) {
          return;
        }
        long len = chunk.length();
        if (have + len > entry.bytes()) {
          fail(new Permanent("the server sent more than the catalog's " + entry.bytes() + " bytes"));
          return;
        }
        digest.update(chunk.getBytes());
        file.write(chunk).onFailure(e -> fail(new Permanent("cannot write " + partial + ": " + e.getMessage())));
        have += len;
        listener.progress(have, entry.bytes());
        if (file.writeQueueFull()) {
          writeQueueFull = true;
          resp.pause();
          file.drainHandler(v -> {
            writeQueueFull = false;
            resumeIfFree();
          });
        }
        long pause = bucket.take(len);
        if (pause > 0) {
          throttled = true;
          resp.pause();
          vertx.setTimer(pause, t -> {
            throttled = false;
            resumeIfFree();
          });
        }
      }

      private void resumeIfFree() {
        if (!writeQueueFull && !throttled && !done.future().isComplete()) {
          resp.resume();
        }
      }

      private void fail(Throwable e) {
        if (done.tryFail(e)) {
          resp.request().reset();
        }
      }
    }
  }

  private static Future<Void> discard(HttpClientResponse resp) {
    Future<Buffer> body = resp.body();
    resp.resume();
    return body.<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  private static String host(URI url) {
    return url.getHost() + ":" + url.getPort();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
