package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.JobSubmission;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Principals on jobs, rate limits and the per-customer queue cap (docs/security.md#limits). */
class AdmissionTest extends StoreTestBase {

  private io.emp.core.model.Results.Submitted submitAs(String principal, String customer) {
    JsonObject body = new JsonObject().put("service", "s");
    return await(store.submit(JobSubmission.fromJson(body, 1 << 20).by(principal, customer)));
  }

  @Test
  @DisplayName("the submitting principal and its customer are recorded; lists filter by customer")
  void principalAndCustomer() {
    String a = submitAs("acme-app", "acme").id();
    String b = submitAs("beta-app", "beta").id();
    assertThat(await(store.getJob(a)).principal()).isEqualTo("acme-app");
    assertThat(await(store.getJob(a)).customerId()).isEqualTo("acme");
    assertThat(await(store.listJobs(null, null, 100, null, "acme")).jobs()).extracting(j -> j.id()).containsExactly(a);
    assertThat(await(store.listJobs(null, null, 100, null, null)).jobs()).extracting(j -> j.id()).contains(a, b);
  }

  @Test
  @DisplayName("a principal over its rate gets RATE_LIMITED with a retry-after within the second; others are not affected")
  void principalRate() {
    configure(Map.of("rate_principal_per_s", 3));
    int ok = 0;
    BrokerException limited = null;
    for (int i = 0; i < 10 && limited == null; i++) {
      try {
        submitAs("noisy", null);
        ok++;
      } catch (BrokerException e) {
        limited = e;
      }
    }
    assertThat(limited).isNotNull();
    assertThat(limited.error()).isEqualTo(BrokerError.RATE_LIMITED);
    assertThat(limited.field()).isEqualTo("rate");
    assertThat(limited.retryAfterMs()).isBetween(1L, 1000L);
    assertThat(ok).isBetween(3, 6); // the window may roll over between submissions
    assertThat(submitAs("quiet", null).id()).isNotNull();
  }

  @Test
  @DisplayName("a customer at its queue cap is refused until a job leaves the queue; nothing is written for the refusal")
  void queueCap() {
    configure(Map.of("max_queued_per_customer", 2));
    submitAs("app", "acme");
    submitAs("app", "acme");
    long jobsBefore = namespaceKeys().stream().filter(k -> k.contains(":job:")).count();
    BrokerException e = refused(store.submit(JobSubmission.fromJson(new JsonObject().put("service", "s"), 1 << 20)
      .by("app", "acme")), BrokerError.RATE_LIMITED);
    assertThat(e.field()).isEqualTo("queue");
    assertThat(namespaceKeys().stream().filter(k -> k.contains(":job:")).count()).isEqualTo(jobsBefore);
    assertThat(submitAs("app", "other").id()).as("another customer").isNotNull();
    register("w", caps("s"));
    claim("w", 1); // one acme job leaves the queue (or the other customer's: claim order is by score)
    String next = null;
    for (int i = 0; i < 2 && next == null; i++) {
      try {
        next = submitAs("app", "acme").id();
      } catch (BrokerException again) {
        claim("w", 1);
      }
    }
    assertThat(next).isNotNull();
  }
}
