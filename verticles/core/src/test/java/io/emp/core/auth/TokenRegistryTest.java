package io.emp.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenRegistryTest {
  @TempDir
  Path tmp;

  @Test
  @DisplayName("hashed tokens with scopes from a file; the admin token from the environment; unknown tokens refused")
  void fileAndAdmin() throws Exception {
    Path f = tmp.resolve("tokens");
    Files.writeString(f, "# name scopes hash customer\n"
      + "acme-app submit " + TokenRegistry.hash("t-acme") + " acme\n"
      + "\n"
      + "beta submit " + TokenRegistry.hash("t-beta") + "\n"
      + "grafana read " + TokenRegistry.hash("t-read") + "\n"
      + "oncall operate,read " + TokenRegistry.hash("t-op") + "\n");
    TokenRegistry r = TokenRegistry.of("t-admin", f.toString());
    Principal acme = r.authenticate("t-acme");
    assertThat(acme.name()).isEqualTo("acme-app");
    assertThat(acme.customer()).isEqualTo("acme");
    assertThat(acme.can(Scope.SUBMIT)).isTrue();
    assertThat(acme.can(Scope.READ)).isFalse();
    assertThat(acme.owns("acme")).isTrue();
    assertThat(acme.owns("beta")).isFalse();
    assertThat(acme.restricted()).isTrue();
    assertThat(r.authenticate("t-beta").customer()).as("bound to its own name").isEqualTo("beta");
    Principal read = r.authenticate("t-read");
    assertThat(read.can(Scope.READ)).isTrue();
    assertThat(read.can(Scope.SUBMIT)).isFalse();
    assertThat(read.can(Scope.OPERATE)).isFalse();
    assertThat(read.owns("anyone")).isTrue();
    Principal op = r.authenticate("t-op");
    assertThat(op.can(Scope.OPERATE)).isTrue();
    assertThat(op.can(Scope.READ)).isTrue();
    assertThat(op.can(Scope.ADMIN)).isFalse();
    assertThat(r.authenticate("t-admin")).isEqualTo(Principal.ADMIN);
    assertThat(r.authenticate("t-acmE")).isNull();
    assertThat(r.authenticate("")).isNull();
    assertThat(r.authenticate(null)).isNull();
  }

  @Test
  @DisplayName("inline lines separated by ';'; auth off makes everyone admin")
  void inlineAndOff() {
    TokenRegistry r = TokenRegistry.of(null, "a read " + TokenRegistry.hash("x") + "; b operate " + TokenRegistry.hash("y"));
    assertThat(r.authenticate("x").name()).isEqualTo("a");
    assertThat(r.authenticate("y").can(Scope.READ)).isTrue();
    assertThat(TokenRegistry.disabled().authenticate(null)).isEqualTo(Principal.ADMIN);
  }

  @Test
  @DisplayName("bad token lines are refused naming the line and the problem; plain tokens are never accepted")
  void badLines() {
    String h = TokenRegistry.hash("x");
    assertThatThrownBy(() -> TokenRegistry.of(null, "a read plain-token-here")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("line 1").hasMessageContaining("sha256");
    assertThatThrownBy(() -> TokenRegistry.of(null, "a superuser " + h)).hasMessageContaining("unknown scope");
    assertThatThrownBy(() -> TokenRegistry.of(null, "a read")).hasMessageContaining("expected");
    assertThatThrownBy(() -> TokenRegistry.of(null, "b read " + h + "; c read " + h)).hasMessageContaining("twice");
    assertThatThrownBy(() -> TokenRegistry.of(null, "b/x read " + h + " c")).hasMessageContaining("token name");
    assertThatThrownBy(() -> TokenRegistry.of(null, tmp.resolve("missing").toString())).hasMessageContaining("cannot read");
    assertThatThrownBy(() -> TokenRegistry.of(null, null)).hasMessageContaining("no token configured");
  }
}
