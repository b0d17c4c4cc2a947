package io.emp.supervisor.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.supervisor.models.Eviction.Candidate;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The pure parts: eviction order, demand forecast, catalog validation, bandwidth bucket, worker capabilities. */
class ModelPolicyTest {
  private static final long HOUR = 3_600_000L;
  private static final String SHA = "a".repeat(64);

  @Test
  @DisplayName("eviction takes the lowest forecast × size first, then the least recently used, and only what is needed")
  void evictionOrder() {
    Candidate hotSmall = new Candidate("hot-small", 1_000, 10, 2.0);     // value 2000
    Candidate warmBig = new Candidate("warm-big", 10_000, 20, 0.5);     // value 5000
    Candidate coldOld = new Candidate("cold-old", 3_000, 1, 0.0);       // value 0, least recently used
    Candidate coldNew = new Candidate("cold-new", 3_000, 99, 0.0);      // value 0

    assertThat(Eviction.choose(List.of(hotSmall, warmBig, coldNew, coldOld), 4_000))
      .extracting(Candidate::name).containsExactly("cold-old", "cold-new");
    assertThat(Eviction.choose(List.of(hotSmall, warmBig, coldNew, coldOld), 7_000))
      .extracting(Candidate::name).containsExactly("cold-old", "cold-new", "hot-small");
    assertThat(Eviction.choose(List.of(hotSmall, coldOld), 5_000)).isNull();
    assertThat(Eviction.choose(List.of(), 0)).isEmpty();
  }

  @Test
  @DisplayName("the forecast smooths hourly counts (recent demand weighs more) and sums the pools of a model")
  void forecast() {
    long now = 1_000 * HOUR + HOUR / 2; // half-way through hour 1000
    JsonObject demand = new JsonObject()
      .put("990", new JsonObject().put("old", 100))
      .put("999", new JsonObject().put("recent", new JsonObject().put("fast", 6).put("none", 4)))
      .put("1000", new JsonObject().put("now", 5));
    Map<String, Double> f = Eviction.forecast(demand, now, 24, 0.5);

    assertThat(f.get("recent")).isEqualTo(2.5);               // 10 one hour ago: halved entering, halved again now
    assertThat(f.get("now")).isEqualTo(5.0);                  // 5 in half an hour = 10/h, halved once
    assertThat(f.get("old")).isLessThan(0.1);                 // 100 ten hours ago, halved ten times
    assertThat(f).doesNotContainKey("never");
  }

  @Test
  @DisplayName("the catalog accepts JSON or YAML (optionally under models:) and refuses bad entries by name and field")
  void catalog() {
    var entries = ModelCatalog.parse("models:\n  sdxl: {url: 'https://h/sdxl', bytes: 6938078334, sha256: " + SHA
      + ", auth_env: HF_TOKEN}\n", "c.yaml");
    assertThat(entries.get("sdxl").bytes()).isEqualTo(6_938_078_334L);
    assertThat(entries.get("sdxl").authEnv()).isEqualTo("HF_TOKEN");
    assertThat(ModelCatalog.parse("{\"a\": {\"url\": \"http://h/a\", \"bytes\": 1, \"sha256\": \"" + SHA + "\"}}", "c.json"))
      .containsKey("a");

    assertThatThrownBy(() -> ModelCatalog.parse("{\"..\": {\"url\": \"http://h/a\", \"bytes\": 1, \"sha256\": \"" + SHA + "\"}}",
      "c.json")).isInstanceOf(ConfigException.class).hasMessageContaining("c.json: ..: a model name");
    assertThatThrownBy(() -> ModelCatalog.parse("a: {url: 'ftp://h/a', bytes: 1, sha256: " + SHA + "}", "c.yaml"))
      .hasMessage("c.yaml: a.url: must be an absolute http(s) URL");
    assertThatThrownBy(() -> ModelCatalog.parse("a: {url: 'http://h/a', bytes: 0, sha256: " + SHA + "}", "c.yaml"))
      .hasMessageContaining("a.bytes");
    assertThatThrownBy(() -> ModelCatalog.parse("a: {url: 'http://h/a', bytes: 1, sha256: abc}", "c.yaml"))
      .hasMessage("c.yaml: a.sha256: must be 64 hexadecimal digits");
    assertThat(ModelCatalog.validName(".partial")).isFalse();
    assertThat(ModelCatalog.validName("flux1-dev.safetensors")).isTrue();
  }

  @Test
  @DisplayName("the token bucket lets half a second through, then paces reads to the rate")
  void tokenBucket() {
    TokenBucket bucket = new TokenBucket(1_000);
    long t = System.nanoTime();
    assertThat(bucket.take(500, t)).isZero();
    assertThat(bucket.take(1_000, t)).isBetween(990L, 1_000L);   // in debt by ~1000 bytes = 1 s
    assertThat(bucket.take(0, t + 1_000_000_000L)).isZero();     // repaid
    assertThat(new TokenBucket(0).take(1L << 40, 0)).isZero();  // no cap
  }

  @Test
  @DisplayName("workers of a downloading machine say model_downloads (and the cap as their rate) unless the operator said otherwise")
  void workerCapabilities() {
    ModelsConfig uncapped = ModelsConfig.from(EnvConfig.of(Map.of("EMP_MODELS_CATALOG", "c.yaml")), Path.of("run"));
    ModelsConfig capped = ModelsConfig.from(EnvConfig.of(Map.of("EMP_MODELS_CATALOG", "c.yaml",
      "EMP_MODELS_BANDWIDTH_BPS", "500")), Path.of("run"));
    assertThat(uncapped.downloads()).isTrue();
    assertThat(ModelsConfig.from(EnvConfig.of(Map.of("EMP_MODELS_DIR", "m")), Path.of("run")).downloads()).isFalse();
    assertThat(new JsonObject(uncapped.workerCapabilities(null))).isEqualTo(new JsonObject().put("model_downloads", true));
    assertThat(new JsonObject(capped.workerCapabilities("{\"model_downloads\": false, \"gpu\": 1}")))
      .isEqualTo(new JsonObject().put("model_downloads", false).put("gpu", 1).put("download_bytes_per_s", 500));
    assertThat(uncapped.workerCapabilities("not json")).isEqualTo("not json");
  }
}
