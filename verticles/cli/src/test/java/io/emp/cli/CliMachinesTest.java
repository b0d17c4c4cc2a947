package io.emp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.emp.cli.CliFixture.Result;
import io.emp.testkit.RedisExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The machine commands against real in-process supervisors: {@value CliFixture#MACHINE} (one worker)
 * and {@code drain-box}, whose worker serves a service of its own so that draining and restarting it
 * disturbs nothing else.
 */
@ExtendWith(RedisExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliMachinesTest {
  private static final String M = CliFixture.MACHINE;
  private static CliFixture broker;

  @BeforeAll
  static void start() {
    broker = new CliFixture().controlPlane().machine(M, 1, "simulation");
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Result emp(String... args) {
    return broker.emp(args);
  }

  private static JsonNode service(String machine, String name) {
    for (JsonNode s : broker.http("/api/machines/" + machine).path("doc").path("services")) {
      if (name.equals(s.path("name").asText())) {
        return s;
      }
    }
    return CliFixture.JSON.createObjectNode();
  }

  @Test
  @DisplayName("machines lists the machine with workers and services; with an id, its services and workers; --json is the api's")
  void machines() {
    Result r = emp("machines");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow()).startsWith("MACHINE").contains("STATUS", "PHASE", "WORKERS");
    assertThat(r.out()).containsPattern(M + "\\s+online\\s+ready\\s+-\\s+1/1\\s+0\\s+1/1");

    Result one = emp("machines", M);
    assertThat(one.exit()).isZero();
    assertThat(one.out()).contains("machine " + M + ": online, phase ready", "supervised", "web", M + "-worker-0",
      "simulation");

    Result json = emp("machines", "--json");
    assertThat(json.exit()).isZero();
    JsonNode m = json.json().path("machines").get(0);
    assertThat(m.path("id").asText()).isEqualTo(M);
    assertThat(m.path("workers").get(0).path("id").asText()).isEqualTo(M + "-worker-0");
    assertThat(emp("machines", "no-such-box").exit()).isEqualTo(1);
  }

  @Test
  @DisplayName("logs tails a service's log through its supervisor; restart restarts exactly that service")
  void restartServiceAndLogs() {
    Result logs = emp("logs", M, "web", "-n", "20");
    assertThat(logs.exit()).as(logs.toString()).isZero();
    assertThat(logs.out()).contains("web ready on pid");

    long pid = service(M, "web").path("pid").asLong();
    Result r = emp("restart", M, "web");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("restart_service queued for " + M + "/web (command ");
    CliFixture.eventually("web restarted with a new pid", 20_000, () -> {
      JsonNode web = service(M, "web");
      return "ready".equals(web.path("state").asText()) && web.path("pid").asLong() != pid;
    });
    Result after = emp("logs", M, "web", "--json");
    assertThat(after.exit()).isZero();
    assertThat(after.json().path("lines").toString()).contains("web stopping");

    Result unknown = emp("restart", M, "nope");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("404 NOT_FOUND", "(field: service)");
    assertThat(emp("logs", M, "web", "-n", "0").exit()).as("-n out of range is a usage error").isEqualTo(2);
  }

  @Test
  @DisplayName("restart of a whole machine bootstraps it again; drain stops it; commands to unknown machines are refused")
  void restartMachineAndDrain() {
    broker.machine("drain-box", 1, "drain-only");
    Result restart = emp("restart", "drain-box", "--json");
    assertThat(restart.exit()).as(restart.toString()).isZero();
    String commandId = restart.json().path("command_id").asText();
    assertThat(restart.json().path("command").asText()).isEqualTo("restart_machine");
    CliFixture.eventually("restart_machine done", 60_000, () -> broker.events("machine.command_result").stream()
      .anyMatch(e -> commandId.equals(e.fields().get("command_id")) && "true".equals(e.fields().get("ok"))));
    CliFixture.eventually("drain-box ready again", 60_000,
      () -> "ready".equals(broker.supervisor("drain-box").phase()));

    Result drain = emp("drain", "drain-box");
    assertThat(drain.exit()).as(drain.toString()).isZero();
    assertThat(drain.out()).startsWith("drain queued for drain-box");
    CliFixture.eventually("drain-box stopped", 60_000, () -> "stopped".equals(broker.supervisor("drain-box").phase()));
    CliFixture.eventually("machines shows it stopped", 30_000,
      () -> emp("machines", "drain-box", "--json").json().path("phase").asText().equals("stopped"));
    assertThat(emp("machines", M, "--json").json().path("phase").asText()).as("the other machine is untouched")
      .isEqualTo("ready");

    Result unknown = emp("drain", "no-such-box");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("404 NOT_FOUND", "unknown machine no-such-box");
  }
}
