package io.emp.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.emp.core.validation.ValidationException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSubmissionTest {

  @Test
  @DisplayName("defaults: priority 50, three attempts, empty payload, no delay")
  void defaults() {
    JobSubmission s = JobSubmission.fromJson(new JsonObject().put("service", "comfyui"), 1024);
    assertThat(s.priority()).isEqualTo(50);
    assertThat(s.maxAttempts()).isEqualTo(3);
    assertThat(s.payload()).isEqualTo(new JsonObject());
    assertThat(s.delayMs()).isZero();
    assertThat(s.specJson().fieldNames()).containsExactlyInAnyOrder("service", "priority", "max_attempts");
  }

  @Test
  @DisplayName("priority 0 and max_attempts 1 are legal values, not replaced by defaults")
  void zeroIsLegal() {
    JobSubmission s = JobSubmission.fromJson(new JsonObject("{\"service\":\"s\",\"priority\":0,\"max_attempts\":1}"), 1024);
    assertThat(s.priority()).isZero();
    assertThat(s.maxAttempts()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @DisplayName("invalid fields are named")
  @CsvSource(delimiter = '|', value = {
    "{\"priority\":5}                                    | service",
    "{\"service\":\"\"}                                  | service",
    "{\"service\":7}                                     | service",
    "{\"service\":\"s\",\"priority\":\"75\"}             | priority",
    "{\"service\":\"s\",\"priority\":-1}                 | priority",
    "{\"service\":\"s\",\"priority\":50.5}               | priority",
    "{\"service\":\"s\",\"max_attempts\":21}             | max_attempts",
    "{\"service\":\"s\",\"payload\":[1]}                 | payload",
    "{\"service\":\"s\",\"payload\":null}                | payload",
    "{\"service\":\"s\",\"requirements\":\"gpu\"}        | requirements",
    "{\"service\":\"s\",\"requirements\":null}           | requirements",
    "{\"service\":\"s\",\"timeout_s\":0}                 | timeout_s",
    "{\"service\":\"s\",\"delay_ms\":-5}                 | delay_ms",
    "{\"service\":\"s\",\"workflow_datetime\":\"today\"} | workflow_datetime",
    "{\"service\":\"s\",\"customer_id\":\"\"}            | customer_id",
    "{\"service\":\"s\",\"backoff\":{\"factor\":0.5}}     | backoff.factor",
    "{\"service\":\"s\",\"backoff\":{\"jitter\":1}}       | backoff.jitter",
    "{\"service\":\"s\",\"extra\":true}                  | extra",
  })
  void invalidFieldNamed(String body, String field) {
    assertThatThrownBy(() -> JobSubmission.fromJson(new JsonObject(body), 1024))
      .isInstanceOf(ValidationException.class)
      .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo(field));
  }

  @Test
  @DisplayName("a payload over the limit is refused")
  void payloadLimit() {
    JsonObject body = new JsonObject().put("service", "s").put("payload", new JsonObject().put("p", "x".repeat(100)));
    assertThatThrownBy(() -> JobSubmission.fromJson(body, 50))
      .isInstanceOf(ValidationException.class)
      .hasMessageContaining("payload");
  }
}
