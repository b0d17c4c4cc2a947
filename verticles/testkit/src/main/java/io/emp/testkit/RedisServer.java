package io.emp.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on a free loopback port, in its own temporary directory.
 *
 * <p>Started by {@link RedisExtension} for tests and by the benchmarks. Never touches the machine's
 * own Redis on 6379. {@link #kill()} sends SIGKILL and {@link #restart()} brings the server back on
 * the same port (with whatever persistence the extra arguments configured), for reliability tests.
 */
public final class RedisServer implements AutoCloseable {
  public static final String BINARY_ENV = "EMP_REDIS_SERVER";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Path binary;
  private final Path dir;
  private final List<String> extraArgs;
  private final int port;
  private Process process;

  private RedisServer(Path binary, Path dir, int port, List<String> extraArgs) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** Starts a server without persistence on a free port. */
  public static RedisServer start(String... extraArgs) {
    Path binary = locateBinary();
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        Path dir = Files.createTempDirectory("emp-redis-");
        RedisServer server = new RedisServer(binary, dir, freePort(), List.of(extraArgs));
        server.launch();
        return server;
      } catch (IOException e) {
        last = e; // most likely a port taken between probing and binding: try another one
      }
    }
    throw new IllegalStateException("could not start redis-server: " + last.getMessage(), last);
  }

  /** The redis-server binary: {@code $EMP_REDIS_SERVER}, else {@code redis-server} on the PATH. */
  public static Path locateBinary() {
    return locateBinary(System.getenv());
  }

  static Path locateBinary(java.util.Map<String, String> env) {
    String configured = env.get(BINARY_ENV);
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IllegalStateException(BINARY_ENV + "=" + configured + " is not an executable file");
    }
    Optional<Path> onPath = findOnPath(env.get("PATH"), "redis-server");
    return onPath.orElseThrow(() -> new IllegalStateException(
      "redis-server was not found on the PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`,"
        + " macOS: `brew install redis`) or point " + BINARY_ENV + " at the binary. Redis >= 7.0 is required."));
  }

  private static Optional<Path> findOnPath(String path, String name) {
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  private synchronized void launch() throws IOException {
    List<String> cmd = new ArrayList<>(List.of(binary.toString(),
      "--port", Integer.toString(port),
      "--bind", "127.0.0.1",
      "--dir", dir.toString(),
      "--save", "",
      "--appendonly", "no",
      "--daemonize", "no",
      "--logfile", dir.resolve("redis.log").toString()));
    cmd.addAll(extraArgs);
    process = new ProcessBuilder(cmd)
      .redirectErrorStream(true)
      .redirectOutput(dir.resolve("stdout.log").toFile())
      .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + ": " + logTail());
      }
      if (ping()) {
        return;
      }
      sleep(20);
    }
    process.destroyForcibly();
    throw new IOException("redis-server did not answer PING on port " + port + " within " + START_TIMEOUT);
  }

  /** Sends PING over a fresh connection; true when PONG comes back. */
  public boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] buf = new byte[16];
      InputStream in = s.getInputStream();
      int n = in.read(buf);
      return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1";
  }

  /** {@code redis://127.0.0.1:<port>} */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public Path dir() {
    return dir;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  public synchronized long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown, no save. */
  public synchronized void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      waitFor();
    }
  }

  /** SIGTERM: a clean shutdown (Redis saves if persistence is configured). */
  public synchronized void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      waitFor();
    }
  }

  /** Starts the server again on the same port and directory (after {@link #kill()} or {@link #stop()}). */
  public synchronized void restart() {
    stop();
    try {
      launch();
    } catch (IOException e) {
      throw new IllegalStateException("could not restart redis-server on port " + port, e);
    }
  }

  private void waitFor() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String logTail() {
    try {
      Path log = dir.resolve("redis.log");
      String text = Files.exists(log) ? Files.readString(log) : Files.readString(dir.resolve("stdout.log"));
      return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
    deleteTree(dir);
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }
}
