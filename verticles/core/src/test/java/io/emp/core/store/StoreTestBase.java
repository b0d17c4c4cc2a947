package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.emp.core.Keys;
import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobSubmission;
import io.emp.core.model.Results.Submitted;
import io.emp.core.model.WorkerCapabilities;
import io.emp.core.redis.RedisClients;
import io.emp.testkit.RedisExtension;
import io.emp.testkit.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Shared set-up for tests of the function library through {@link BrokerStore}: one Vert.x, one
 * client to the testkit's real redis-server, the library loaded once, a fresh namespace per test.
 * Tests run on the JUnit thread and wait on futures with a timeout.
 */
@ExtendWith(RedisExtension.class)
abstract class StoreTestBase {
  protected static Vertx vertx;
  protected static Redis redis;
  protected Keys keys;
  protected BrokerStore store;

  @BeforeAll
  static void startClient() {
    RedisServer server = RedisExtension.shared();
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, server.url(), 8);
    await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath()));
  }

  @AfterAll
  static void stopClient() {
    await(redis.close());
    await(vertx.close());
  }

  @BeforeEach
  void freshNamespace() {
    keys = new Keys(RedisExtension.freshNamespace().value());
    store = new BrokerStore(redis, keys);
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Awaits a future that must fail with a broker refusal of the given kind. */
  static BrokerException refused(Future<?> f, BrokerError expected) {
    try {
      Object v = await(f);
      return fail("expected %s but the call succeeded with %s", expected, v);
    } catch (BrokerException e) {
      assertThat(e.error()).as(e.getMessage()).isEqualTo(expected);
      return e;
    }
  }

  Response cmd(Object... parts) {
    Request r = Request.cmd(Command.create(parts[0].toString()));
    for (int i = 1; i < parts.length; i++) {
      r.arg(parts[i].toString());
    }
    return await(redis.send(r));
  }

  long zcard(String suffix) {
    return cmd("ZCARD", keys.prefix() + suffix).toLong();
  }

  /** Every key of the test's namespace (tests only: KEYS is fine on a test server). */
  List<String> namespaceKeys() {
    return cmd("KEYS", keys.prefix() + "*").stream().map(Response::toString).sorted().toList();
  }

  Submitted submit(JsonObject body) {
    return await(store.submit(JobSubmission.fromJson(body, JobSubmission.DEFAULT_MAX_PAYLOAD_BYTES)));
  }

  Submitted submit(String service) {
    return submit(new JsonObject().put("service", service));
  }

  void register(String workerId, JsonObject caps) {
    register(workerId, caps, 1, null);
  }

  void register(String workerId, JsonObject caps, int slots, Long leaseMs) {
    await(store.registerWorker(workerId, "m1", new WorkerCapabilities(caps), slots, leaseMs));
  }

  static JsonObject caps(String... services) {
    return WorkerCapabilities.of(services).doc().copy();
  }

  List<ClaimedJob> claim(String workerId, int max) {
    return await(store.claim(workerId, max, false));
  }

  ClaimedJob claimOne(String workerId) {
    List<ClaimedJob> got = claim(workerId, 1);
    assertThat(got).as("claim by " + workerId).hasSize(1);
    return got.get(0);
  }

  String status(String jobId) {
    return await(store.getJob(jobId)).status().wire();
  }

  void configure(Map<String, ? extends Number> values) {
    await(store.configure(values));
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
