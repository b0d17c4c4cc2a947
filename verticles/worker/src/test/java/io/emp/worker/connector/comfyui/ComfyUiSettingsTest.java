package io.emp.worker.connector.comfyui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ComfyUiSettingsTest {

  private static ComfyUiSettings parse(String... kv) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return ComfyUiSettings.from(EnvConfig.of(m));
  }

  @Test
  @DisplayName("defaults: worker n talks to 127.0.0.1:8188+n, service comfyui, 2 MiB inline, 30 s, 1 s reconnect")
  void defaults() {
    ComfyUiSettings s = parse();
    assertThat(s.baseUrl(0)).isEqualTo(URI.create("http://127.0.0.1:8188"));
    assertThat(s.baseUrl(3)).isEqualTo(URI.create("http://127.0.0.1:8191"));
    assertThat(s.serviceFor(3)).isEqualTo("comfyui");
    assertThat(s.inlineOutputBytes()).isEqualTo(2_097_152);
    assertThat(s.outputDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "emp-outputs").toAbsolutePath().normalize().toString());
    assertThat(s.timeoutMs()).isEqualTo(30_000);
    assertThat(s.wsReconnectMs()).isEqualTo(1_000);
    assertThat(s.wsReconnectAttempts()).isEqualTo(10);
  }

  @Test
  @DisplayName("EMP_COMFYUI_URL is the same ComfyUI for every worker; host + base port give one per GPU")
  void urlOrPorts() {
    assertThat(parse("EMP_COMFYUI_URL", "https://gpu-box:9000/comfy").baseUrl(5))
      .isEqualTo(URI.create("https://gpu-box:9000/comfy"));
    ComfyUiSettings s = parse("EMP_COMFYUI_HOST", "10.0.0.7", "EMP_COMFYUI_BASE_PORT", "7000",
      "EMP_COMFYUI_SERVICE", "comfyui-gpu{n}");
    assertThat(s.baseUrl(2)).isEqualTo(URI.create("http://10.0.0.7:7002"));
    assertThat(s.serviceFor(2)).isEqualTo("comfyui-gpu2");
  }

  @Test
  @DisplayName("invalid values are refused naming the variable")
  void invalid() {
    assertThatThrownBy(() -> parse("EMP_COMFYUI_URL", "ftp://x")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_COMFYUI_URL");
    assertThatThrownBy(() -> parse("EMP_COMFYUI_URL", "http://x:1", "EMP_COMFYUI_BASE_PORT", "8188"))
      .isInstanceOf(ConfigException.class).hasMessageContaining("EMP_COMFYUI_BASE_PORT");
    assertThatThrownBy(() -> parse("EMP_COMFYUI_BASE_PORT", "70000")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_COMFYUI_BASE_PORT");
    assertThatThrownBy(() -> parse("EMP_COMFYUI_HOST", "http://x")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_COMFYUI_HOST");
    assertThatThrownBy(() -> parse("EMP_COMFYUI_SERVICE", "comfy ui")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_COMFYUI_SERVICE");
    assertThatThrownBy(() -> parse("EMP_INLINE_OUTPUT_BYTES", "-1")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_INLINE_OUTPUT_BYTES");
    assertThatThrownBy(() -> parse("EMP_COMFYUI_TIMEOUT_S", "0")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_COMFYUI_TIMEOUT_S");
    assertThatThrownBy(() -> parse("EMP_COMFYUI_WS_RECONNECT_MS", "x")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("EMP_COMFYUI_WS_RECONNECT_MS");
  }
}
