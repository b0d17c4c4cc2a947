package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.core.model.Results.Submitted;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubmitTest extends StoreTestBase {

  @Test
  @DisplayName("a submitted job is queued with its fields, payload and a submitted event")
  void submitStoresJob() {
    Submitted s = submit(new JsonObject().put("service", "comfyui").put("priority", 70)
      .put("payload", new JsonObject().put("prompt", "a cat")).put("customer_id", "c1").put("pool", "fast"));
    assertThat(s.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(s.duplicate()).isFalse();
    assertThat(s.id()).hasSize(26);
    Job job = await(store.getJob(s.id()));
    assertThat(job.service()).isEqualTo("comfyui");
    assertThat(job.priority()).isEqualTo(70);
    assertThat(job.customerId()).isEqualTo("c1");
    assertThat(job.pool()).isEqualTo("fast");
    assertThat(job.maxAttempts()).isEqualTo(3);
    assertThat(new JsonObject(job.payload()).getString("prompt")).isEqualTo("a cat");
    assertThat(zcard("idx:queued")).isEqualTo(1);
    Response events = cmd("XRANGE", keys.events(), "-", "+");
    assertThat(events.size()).isEqualTo(1);
    assertThat(events.get(0).get(1).toString()).contains("job.submitted").contains(s.id());
  }

  @Test
  @DisplayName("a repeated idempotency key returns the first job's id and writes nothing new")
  void idempotentSubmit() {
    JsonObject body = new JsonObject().put("service", "llm").put("idempotency_key", "order-42");
    Submitted first = submit(body);
    Submitted again = submit(body.copy().put("priority", 99));
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(again.duplicate()).isTrue();
    assertThat(zcard("idx:queued")).isEqualTo(1);
    assertThat(cmd("XLEN", keys.events()).toLong()).isEqualTo(1);
  }

  @Test
  @DisplayName("a delayed job waits in the delayed set and is promoted when due")
  void delayedJob() {
    Submitted s = submit(new JsonObject().put("service", "llm").put("delay_ms", 300));
    assertThat(s.status()).isEqualTo(JobStatus.DELAYED);
    assertThat(zcard("delayed")).isEqualTo(1);
    register("w1", caps("llm"));
    assertThat(claim("w1", 1)).isEmpty();
    sleep(350);
    assertThat(claimOne("w1").id()).isEqualTo(s.id());
    assertThat(zcard("delayed")).isZero();
  }

  @ParameterizedTest(name = "{0} -> rejected naming {1}")
  @DisplayName("poison submissions are rejected by the library before anything is written")
  @CsvSource(delimiter = '|', value = {
    "'{\"service\":\"x\",\"requirements\":null}'                                    | requirements",
    "'{\"service\":\"x\",\"requirements\":\"null\"}'                                | requirements",
    "'{\"service\":\"x\",\"requirements\":[1,2]}'                                   | requirements",
    "'{\"service\":\"x\",\"requirements\":{\"hardware\":{\"gpu_memory_gb\":\"16\"}}}' | requirements.hardware.gpu_memory_gb",
    "'{\"service\":\"x\",\"requirements\":{\"models\":\"sdxl\"}}'                   | requirements.models",
    "'{\"service\":\"x\",\"requirements\":{\"customer_isolation\":\"maybe\"}}'      | requirements.customer_isolation",
    "'{\"service\":\"x\",\"requirements\":{\"region\":null}}'                       | requirements.region",
    "'{\"service\":\"x\",\"requirements\":{\"negative_requirements\":[\"a\"]}}'     | requirements.negative_requirements",
    "'{\"service\":\"x\",\"requirements\":{\"service_type\":\"y\"}}'                | requirements.service_type",
    "'{\"service\":\"x\",\"priority\":\"75\"}'                                      | priority",
    "'{\"service\":\"x\",\"priority\":101}'                                         | priority",
    "'{\"service\":\"x\",\"max_attempts\":0}'                                       | max_attempts",
    "'{\"service\":\"bad service\"}'                                                | service",
    "'{\"priority\":5}'                                                             | service",
    "'{\"service\":\"x\",\"surprise\":1}'                                           | surprise",
    "'not json'                                                                     | body",
    "'null'                                                                         | body",
  })
  void poisonRejected(String spec, String field) {
    Request req = Request.cmd(Command.FCALL).arg("emp_submit").arg(1).arg(keys.prefix())
      .arg("01JD00000000000000000000AA").arg(spec).arg("{}");
    Response r = await(redis.send(req));
    assertThat(r.get(0).toInteger()).isEqualTo(BrokerError.INVALID.code());
    assertThat(r.get(1).toString()).isEqualTo(field);
    assertThat(r.get(2).toString()).isNotBlank();
    assertThat(namespaceKeys()).isEmpty();
  }

  @Test
  @DisplayName("an oversized payload is refused by the library too")
  void payloadLimitInLua() {
    configure(java.util.Map.of("max_payload_bytes", 100));
    Request req = Request.cmd(Command.FCALL).arg("emp_submit").arg(1).arg(keys.prefix())
      .arg("01JD00000000000000000000AB").arg("{\"service\":\"x\"}").arg("{\"p\":\"" + "x".repeat(200) + "\"}");
    Response r = await(redis.send(req));
    assertThat(r.get(0).toInteger()).isEqualTo(BrokerError.TOO_LARGE.code());
    assertThat(r.get(1).toString()).isEqualTo("payload");
    assertThat(namespaceKeys()).containsExactly(keys.config());
  }

  @Test
  @DisplayName("a poison job in the queue cannot break claims for anyone")
  void poisonCannotBreakClaims() {
    // Write a job whose stored descriptor is garbage, bypassing validation, and check claims go on.
    Submitted good = submit("svc");
    String sig = "deadbeefdeadbeef";
    cmd("HSET", keys.prefix() + "sigd", sig, "null");
    cmd("HSET", keys.job("01JD00000000000000000000ZZ"), "status", "queued", "service", "svc", "sig", sig, "score", "1");
    cmd("ZADD", keys.prefix() + "sig:" + sig + ":q:", "1", "01JD00000000000000000000ZZ");
    cmd("ZADD", keys.prefix() + "sig:" + sig + ":h", "1", "");
    cmd("SADD", keys.prefix() + "sigs", sig);
    register("w1", caps("svc"));
    assertThat(claimOne("w1").id()).isEqualTo(good.id());
    assertThat(await(store.stats()).getInteger("unrunnable_jobs")).isEqualTo(1);
  }

  @Test
  @DisplayName("identical routing needs share one signature whatever the key order; different needs do not")
  void signatures() {
    String a = await(store.getJob(submit(new JsonObject().put("service", "s").put("requirements",
      new JsonObject("{\"hardware\":{\"gpu_memory_gb\":16,\"ram_gb\":32},\"region\":\"eu\"}"))).id())).signature();
    String b = await(store.getJob(submit(new JsonObject().put("service", "s").put("requirements",
      new JsonObject("{\"region\":\"eu\",\"hardware\":{\"ram_gb\":32,\"gpu_memory_gb\":16}}"))).id())).signature();
    String c = await(store.getJob(submit(new JsonObject().put("service", "s").put("requirements",
      new JsonObject("{\"region\":\"us\",\"hardware\":{\"ram_gb\":32,\"gpu_memory_gb\":16}}"))).id())).signature();
    assertThat(a).isEqualTo(b).isNotEqualTo(c).hasSize(16);
    assertThat(cmd("SCARD", keys.prefix() + "sigs").toLong()).isEqualTo(2);
    List<String> all = namespaceKeys();
    assertThat(all).contains(keys.prefix() + "sig:" + a + ":q:", keys.prefix() + "sig:" + c + ":h");
  }
}
