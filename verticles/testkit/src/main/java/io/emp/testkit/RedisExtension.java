package io.emp.testkit;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a real Redis: inject {@link RedisServer} (one server per test JVM,
 * started on first use on a free port, killed when the JVM exits) and {@link TestNamespace} (fresh for
 * every injection).
 *
 * <p>Fails with an install hint when {@code redis-server} is missing. Tests that kill or restart
 * Redis must start their own server with {@link RedisServer#start(String...)} instead of the shared one.
 */
public final class RedisExtension implements ParameterResolver {
  private static final AtomicLong COUNTER = new AtomicLong();
  private static volatile RedisServer shared;

  /** The JVM-wide server, started on first call. */
  public static RedisServer shared() {
    RedisServer s = shared;
    if (s == null) {
      synchronized (RedisExtension.class) {
        s = shared;
        if (s == null) {
          s = RedisServer.start();
          RedisServer started = s;
          Runtime.getRuntime().addShutdownHook(new Thread(started::close, "emp-redis-shutdown"));
          shared = s;
        }
      }
    }
    return s;
  }

  /** A namespace unique within this JVM and across runs against the same server. */
  public static TestNamespace freshNamespace() {
    return new TestNamespace("t" + COUNTER.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8));
  }

  @Override
  public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
    Class<?> type = pc.getParameter().getType();
    return type == RedisServer.class || type == TestNamespace.class;
  }

  @Override
  public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
    Class<?> type = pc.getParameter().getType();
    if (type == RedisServer.class) {
      return shared();
    }
    if (type == TestNamespace.class) {
      return freshNamespace();
    }
    throw new ParameterResolutionException("unsupported parameter " + type);
  }
}
