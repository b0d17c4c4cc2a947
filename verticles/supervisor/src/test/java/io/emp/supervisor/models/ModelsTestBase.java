package io.emp.supervisor.models;

import io.emp.core.Keys;
import io.emp.core.config.EnvConfig;
import io.emp.core.events.BrokerEvent;
import io.emp.core.redis.RedisClients;
import io.emp.core.store.BrokerStore;
import io.emp.core.store.FunctionLoader;
import io.emp.core.store.LuaLibrary;
import io.emp.core.store.MachineRegistry;
import io.emp.testkit.RedisExtension;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model manager on its own context, a real Redis with the function library (fresh namespace), a
 * real HTTP model server, and a temporary models directory.
 */
@ExtendWith(RedisExtension.class)
abstract class ModelsTestBase {
  static final String MACHINE = "models-test";
  @TempDir
  Path dir;
  Vertx vertx;
  Redis redis;
  Keys keys;
  BrokerStore store;
  MachineRegistry registry;
  ModelServer server;
  Context context;
  ModelManager manager;
  final Map<String, Object> catalog = new HashMap<>();
  final Map<String, String> env = new HashMap<>();
  int changes;

  @BeforeEach
  void setUpBase() {
    vertx = Vertx.vertx();
    redis = RedisClients.create(vertx, RedisExtension.shared().url(), 4);
    keys = new Keys(RedisExtension.freshNamespace().value());
    store = new BrokerStore(redis, keys);
    registry = new MachineRegistry(redis, keys);
    await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath()));
    server = new ModelServer(vertx);
    await(server.start());
    context = vertx.getOrCreateContext();
    env.put("EMP_MODELS_DIR", dir.resolve("models").toString());
    env.put("EMP_MODELS_CATALOG", dir.resolve("catalog.json").toString());
    env.put("EMP_MODELS_RETRY_BACKOFF_MS", "20");
    env.put("EMP_MODELS_RETRIES", "3");
  }

  @AfterEach
  void tearDownBase() {
    if (manager != null) {
      on(() -> manager.stop());
    }
    await(server.stop());
    await(vertx.close());
  }

  /** Serves {@code name} and lists it in the catalog with its real size and hash. */
  byte[] model(String name, int size) {
    byte[] bytes = bytes(name, size);
    server.file(name, bytes);
    catalog.put(name, Map.of("url", server.url(name), "bytes", size, "sha256", sha256(bytes)));
    return bytes;
  }

  /** A model file already on disk, with a modification time {@code ageMs} ago. */
  void onDisk(String name, int size, long ageMs) throws Exception {
    Path p = dir.resolve("models").resolve(name);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes(name, size));
    Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - ageMs));
  }

  /** Writes the catalog and starts a manager with the environment so far. */
  void startManager() throws Exception {
    Files.writeString(dir.resolve("catalog.json"), new io.vertx.core.json.JsonObject(catalog).encodePrettily());
    ModelsConfig config = ModelsConfig.from(EnvConfig.of(env), dir.resolve("run"));
    manager = new ModelManager(vertx, config, registry, store, MACHINE, env::get, () -> changes++);
    on(() -> manager.start(60_000).compose(v -> manager.refresh()));
  }

  ModelOutcome prefetch(String name) {
    return on(() -> manager.prefetch(name).outcome());
  }

  ModelOutcome evict(String name) {
    return on(() -> manager.evict(name));
  }

  /** Runs on the manager's context and waits for the result. */
  <T> T on(Supplier<Future<T>> action) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        action.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return await(p.future());
  }

  Path installed(String name) {
    return dir.resolve("models").resolve(name);
  }

  List<BrokerEvent> events(String type) {
    Response r = await(redis.send(Request.cmd(Command.XRANGE).arg(keys.events()).arg("-").arg("+")));
    List<BrokerEvent> out = new ArrayList<>();
    for (Response e : r) {
      BrokerEvent be = BrokerEvent.fromEntry(e);
      if (be.type().equals(type)) {
        out.add(be);
      }
    }
    return out;
  }

  List<String> downloadStates(String model) {
    return events("machine.model_download").stream().filter(e -> model.equals(e.fields().get("model")))
      .map(e -> e.fields().get("state")).toList();
  }

  /** The machines holding {@code model} according to Redis ({@code P modelm:<model>}). */
  List<String> holders(String model) {
    Response r = await(redis.send(Request.cmd(Command.SMEMBERS).arg(keys.prefix() + "modelm:" + model)));
    List<String> out = new ArrayList<>();
    r.forEach(x -> out.add(x.toString()));
    return out;
  }

  static byte[] bytes(String seed, int size) {
    byte[] b = new byte[size];
    new Random(seed.hashCode()).nextBytes(b);
    return b;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void eventually(String what, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + timeoutMs + " ms: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
    }
  }
}
