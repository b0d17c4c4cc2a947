package io.emp.bench;

import io.emp.core.redis.RedisClients;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.testkit.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resources a benchmark run shares: Vert.x, a private redis-server (never the machine's own, which
 * benchmarks flush), and a client to it. Benchmarks run on the main thread and wait on futures.
 */
final class Bench implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final RedisServer server;
  private final Redis redis;
  private final LuaLibrary library = LuaLibrary.fromClasspath();

  Bench(String... redisArgs) {
    server = RedisServer.start(redisArgs);
    redis = RedisClients.create(vertx, server.url(), 8);
  }

  Vertx vertx() {
    return vertx;
  }

  Redis redis() {
    return redis;
  }

  RedisServer server() {
    return server;
  }

  Future<String> loadLibrary() {
    return FunctionLoader.ensureLoaded(redis, library);
  }

  <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    await(redis.close());
    await(vertx.close());
    server.close();
  }
}
