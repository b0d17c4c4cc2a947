package io.emp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.cli.CliFixture.Result;
import io.emp.testkit.RedisExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Exit codes and messages for usage errors, refused tokens and an api that cannot be reached. */
@ExtendWith(RedisExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliErrorsTest {
  private static CliFixture broker;

  @BeforeAll
  static void start() {
    broker = new CliFixture().controlPlane();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  @DisplayName("a wrong token exits 4 with the api's 403 and a hint; no token at all exits 4 with its 401")
  void tokenRefused() {
    Result wrong = broker.emp("status", "--token", "not-the-token");
    assertThat(wrong.exit()).isEqualTo(4);
    assertThat(wrong.out()).isEmpty();
    assertThat(wrong.err()).contains("emp: 403 FORBIDDEN: invalid token", "check --token or EMP_API_TOKEN");

    Result none = CliFixture.emp(Map.of("EMP_API_URL", broker.url()), false, "jobs");
    assertThat(none.exit()).isEqualTo(4);
    assertThat(none.err()).contains("401 UNAUTHORIZED");
  }

  @Test
  @DisplayName("an api that cannot be reached exits 3 and says where it looked")
  void unreachable() {
    String url = "http://127.0.0.1:" + CliFixture.freePort();
    Result r = CliFixture.emp(Map.of("EMP_API_URL", url, "EMP_API_TOKEN", "t"), false, "status");
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("cannot reach the api at " + url);

    Result follow = CliFixture.emp(Map.of(), false, "--url", url, "events", "--follow", "--timeout", "1s");
    assertThat(follow.exit()).as("a follow gives up after its reconnections").isEqualTo(3);
  }

  @Test
  @DisplayName("usage errors exit 2 with the message and the command's usage on stderr")
  void usage() {
    Result missing = broker.emp("submit");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("Missing required parameter: 'SERVICE'", "Usage: emp submit");

    Result unknown = broker.emp("frobnicate");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unmatched argument", "Usage: emp");

    Result json = broker.emp("submit", "simulation", "--payload", "{bad");
    assertThat(json.exit()).isEqualTo(2);
    assertThat(json.err()).contains("--payload: not valid JSON", "Usage: emp submit");

    Result notObject = broker.emp("submit", "simulation", "--requirements", "[1]");
    assertThat(notObject.exit()).isEqualTo(2);
    assertThat(notObject.err()).contains("--requirements: must be a JSON object");

    assertThat(broker.emp("jobs", "--limit", "0").exit()).isEqualTo(2);
    assertThat(broker.emp("jobs", "--limit", "many").err()).contains("Invalid value for option '--limit'");
    assertThat(broker.emp("events", "--since", "yesterday").err()).contains("--since: expected a duration");
    assertThat(broker.emp("--url", "ftp://x", "status").exit()).isEqualTo(2);
    Result bare = broker.emp();
    assertThat(bare.exit()).isEqualTo(2);
    assertThat(bare.err()).contains("Missing command", "Commands:", "status", "explain", "Exit codes:");
  }

  @Test
  @DisplayName("the api refusing a submission (400) exits 1 with its message and field; help and version exit 0")
  void refusedAndHelp() {
    Result r = broker.emp("submit", "simulation", "--priority", "101");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("400 INVALID", "(field: priority)");

    Result help = broker.emp("help", "submit");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("--payload", "--count", "--wait");
    Result version = broker.emp("--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).startsWith("emp ");
  }
}
