import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Test fixture, run with the JDK's source launcher: {@code java HttpReady.java <port> <delay ms>}.
 * Prints "booting <ms>", waits, prints "listening <ms>" and only then binds 127.0.0.1:<port> and
 * answers GET /ready with 200, so nothing can see it ready before the "listening" time.
 */
public class HttpReady {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    long delayMs = Long.parseLong(args[1]);
    System.out.println("booting " + System.currentTimeMillis());
    Thread.sleep(delayMs);
    HttpServer server = HttpServer.create(); // unbound: nothing listens before "listening" is printed
    server.createContext("/ready", exchange -> {
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    System.out.println("listening " + System.currentTimeMillis());
    System.out.flush();
    server.bind(new InetSocketAddress("127.0.0.1", port), 0);
    server.start();
  }
}
