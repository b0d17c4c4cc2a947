package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.redis.RedisClients;
import io.emp.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FunctionLoaderTest {
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    StoreTestBase.await(vertx.close());
  }

  @Test
  @DisplayName("loads the library into an empty Redis and skips the load when that version is present")
  void loadsOnceWhenVersionMatches() {
    try (RedisServer server = RedisServer.start()) {
      Redis redis = RedisClients.create(vertx, server.url(), 2);
      LuaLibrary lib = LuaLibrary.fromClasspath();
      assertThat(StoreTestBase.await(FunctionLoader.loadedVersion(redis))).isNull();
      assertThat(StoreTestBase.await(FunctionLoader.ensureLoaded(redis, lib))).isEqualTo(lib.version());
      assertThat(lib.version()).matches("emp-[0-9a-f]{12}");
      // make the loaded library distinguishable: a second ensureLoaded must not replace it
      String marked = lib.source().replace(lib.version(), lib.version()).replace("local OK = 0", "local OK = 0 -- marker");
      StoreTestBase.await(redis.send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(marked)));
      StoreTestBase.await(FunctionLoader.ensureLoaded(redis, lib));
      String code = StoreTestBase.await(redis.send(Request.cmd(Command.FUNCTION).arg("LIST").arg("WITHCODE"))).toString();
      assertThat(code).contains("-- marker");
      // a different version is replaced
      StoreTestBase.await(redis.send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE")
        .arg(lib.source().replace(lib.version(), "emp-old"))));
      assertThat(StoreTestBase.await(FunctionLoader.loadedVersion(redis))).isEqualTo("emp-old");
      StoreTestBase.await(FunctionLoader.ensureLoaded(redis, lib));
      assertThat(StoreTestBase.await(FunctionLoader.loadedVersion(redis))).isEqualTo(lib.version());
      StoreTestBase.await(redis.close());
    }
  }

  @Test
  @DisplayName("refuses a Redis whose maxmemory-policy could evict jobs, with a clear message")
  void refusesEvictingRedis() {
    try (RedisServer server = RedisServer.start("--maxmemory-policy", "allkeys-lru")) {
      Redis redis = RedisClients.create(vertx, server.url(), 2);
      assertThatThrownBy(() -> StoreTestBase.await(FunctionLoader.ensureLoaded(redis, LuaLibrary.fromClasspath())))
        .hasMessageContaining("allkeys-lru")
        .hasMessageContaining("noeviction");
      assertThat(StoreTestBase.await(FunctionLoader.loadedVersion(redis))).isNull();
      StoreTestBase.await(redis.close());
    }
  }

  @Test
  @DisplayName("refuses Redis older than 7 with a clear message")
  void refusesOldRedis() {
    assertThatThrownBy(() -> StoreTestBase.await(FunctionLoader.checkVersion("6.2.14")))
      .hasMessageContaining("6.2.14")
      .hasMessageContaining("7.0");
    assertThat(FunctionLoader.checkVersion("7.0.15").succeeded()).isTrue();
    assertThat(FunctionLoader.checkVersion("8.2.1").succeeded()).isTrue();
  }
}
