package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every matching rule of docs/matching.md, positive and negative, through submit + claim. */
class MatchingTest extends StoreTestBase {

  static Stream<Arguments> rules() {
    return Stream.of(
      // services
      rule("service offered", "{\"services\":[\"comfyui\",\"a1111\"]}", "{}", true),
      rule("service not offered", "{\"services\":[\"a1111\"]}", "{}", false),
      // hardware minimums
      rule("gpu 16 required, worker 24", "{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":24}}",
        "{\"hardware\":{\"gpu_memory_gb\":16}}", true),
      rule("gpu 24 required, worker 16", "{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":16}}",
        "{\"hardware\":{\"gpu_memory_gb\":24}}", false),
      rule("gpu 'all' is no constraint", "{\"services\":[\"comfyui\"]}",
        "{\"hardware\":{\"gpu_memory_gb\":\"all\"}}", true),
      rule("cpu_cores from a top-level worker field", "{\"services\":[\"comfyui\"],\"cpu_cores\":12,\"hardware\":{\"gpu_memory_gb\":24,\"ram_gb\":64}}",
        "{\"hardware\":{\"gpu_memory_gb\":16,\"cpu_cores\":8,\"ram_gb\":32}}", true),
      rule("ram missing on worker", "{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":24}}",
        "{\"hardware\":{\"ram_gb\":32}}", false),
      // models
      rule("models present for the service", "{\"services\":[\"comfyui\"],\"models\":{\"comfyui\":[\"sdxl\",\"sd15\"]}}",
        "{\"models\":[\"sdxl\"]}", true),
      rule("one model missing", "{\"services\":[\"comfyui\"],\"models\":{\"comfyui\":[\"sdxl\"]}}",
        "{\"models\":[\"sdxl\",\"controlnet\"]}", false),
      rule("models of another service do not count", "{\"services\":[\"comfyui\"],\"models\":{\"a1111\":[\"sdxl\"]}}",
        "{\"models\":[\"sdxl\"]}", false),
      rule("worker models 'all' matches", "{\"services\":[\"comfyui\"],\"models\":\"all\"}",
        "{\"models\":[\"sdxl\"]}", true),
      rule("worker models flat list", "{\"services\":[\"comfyui\"],\"models\":[\"sdxl\"]}",
        "{\"models\":[\"sdxl\"]}", true),
      rule("job models 'all' is no constraint", "{\"services\":[\"comfyui\"]}", "{\"models\":\"all\"}", true),
      // customer isolation level
      rule("strict job on strict worker", "{\"services\":[\"comfyui\"],\"customer_access\":{\"isolation\":\"strict\"}}",
        "{\"customer_isolation\":\"strict\"}", true),
      rule("strict job on loose worker", "{\"services\":[\"comfyui\"],\"customer_access\":{\"isolation\":\"loose\"}}",
        "{\"customer_isolation\":\"strict\"}", false),
      rule("loose job on a worker without isolation", "{\"services\":[\"comfyui\"]}",
        "{\"customer_isolation\":\"loose\"}", false),
      rule("isolation none is no constraint", "{\"services\":[\"comfyui\"]}", "{\"customer_isolation\":\"none\"}", true),
      // component / workflow
      rule("component listed", "{\"services\":[\"comfyui\"],\"components\":[\"txt2img-xl\"]}",
        "{\"component\":\"txt2img-xl\"}", true),
      rule("component not listed", "{\"services\":[\"comfyui\"],\"components\":[\"upscale\"]}",
        "{\"component\":\"txt2img-xl\"}", false),
      rule("component on an unrestricted worker", "{\"services\":[\"comfyui\"]}", "{\"component\":\"txt2img-xl\"}", true),
      rule("workflow 'all'", "{\"services\":[\"comfyui\"],\"workflows\":[\"a\"]}", "{\"workflow\":\"all\"}", true),
      // standard informational fields never restrict
      rule("timeout_minutes and quality_level are not capabilities", "{\"services\":[\"comfyui\"]}",
        "{\"timeout_minutes\":15,\"quality_level\":\"balanced\"}", true),
      // region and compliance
      rule("region equal", "{\"services\":[\"comfyui\"],\"geographic_region\":\"eu\"}", "{\"geographic_region\":\"eu\"}", true),
      rule("region differs", "{\"services\":[\"comfyui\"],\"geographic_region\":\"us\"}", "{\"geographic_region\":\"eu\"}", false),
      rule("compliance superset", "{\"services\":[\"comfyui\"],\"compliance\":[\"sox\",\"pci\",\"hipaa\"]}",
        "{\"compliance\":[\"sox\",\"pci\"]}", true),
      rule("compliance missing one", "{\"services\":[\"comfyui\"],\"compliance\":[\"sox\"]}",
        "{\"compliance\":[\"sox\",\"pci\"]}", false),
      // custom capabilities
      rule("custom exact string", "{\"services\":[\"comfyui\"],\"region\":\"us-west\"}", "{\"region\":\"us-west\"}", true),
      rule("custom string differs", "{\"services\":[\"comfyui\"],\"region\":\"us-east\"}", "{\"region\":\"us-west\"}", false),
      rule("custom number >=", "{\"services\":[\"comfyui\"],\"speed\":3}", "{\"speed\":2}", true),
      rule("custom number <", "{\"services\":[\"comfyui\"],\"speed\":1}", "{\"speed\":2}", false),
      rule("custom array contains all", "{\"services\":[\"comfyui\"],\"features\":[\"a\",\"b\",\"c\"]}",
        "{\"features\":[\"a\",\"c\"]}", true),
      rule("custom array lacks one", "{\"services\":[\"comfyui\"],\"features\":[\"a\"]}", "{\"features\":[\"a\",\"c\"]}", false),
      rule("worker array contains required scalar", "{\"services\":[\"comfyui\"],\"features\":[\"a\",\"b\"]}",
        "{\"features\":\"b\"}", true),
      rule("nested object, number >=", "{\"services\":[\"comfyui\"],\"custom_feature\":{\"enabled\":true,\"version\":3}}",
        "{\"custom_feature\":{\"enabled\":true,\"version\":2}}", true),
      rule("nested object, boolean differs", "{\"services\":[\"comfyui\"],\"custom_feature\":{\"enabled\":false,\"version\":3}}",
        "{\"custom_feature\":{\"enabled\":true}}", false),
      rule("dotted path", "{\"services\":[\"comfyui\"],\"location\":{\"region\":\"eu\"}}", "{\"location.region\":\"eu\"}", true),
      rule("custom on a bare worker", "{\"services\":[\"comfyui\"]}", "{\"special_hardware\":\"quantum\"}", false),
      rule("no string/number coercion", "{\"services\":[\"comfyui\"],\"tier\":\"2\"}", "{\"tier\":2}", false),
      // positive_requirements
      rule("positive_requirements", "{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":24},\"region\":\"eu\"}",
        "{\"positive_requirements\":{\"hardware\":{\"gpu_memory_gb\":16},\"region\":\"eu\"}}", true),
      rule("positive_requirements unmet", "{\"services\":[\"comfyui\"],\"region\":\"us\"}",
        "{\"positive_requirements\":{\"region\":\"eu\"}}", false),
      // negative_requirements work alone
      rule("negative alone, worker lacks the trait", "{\"services\":[\"comfyui\"],\"tier\":\"community\"}",
        "{\"negative_requirements\":{\"tier\":\"spot\"}}", true),
      rule("negative alone, worker has the trait", "{\"services\":[\"comfyui\"],\"tier\":\"spot\"}",
        "{\"negative_requirements\":{\"tier\":\"spot\"}}", false),
      rule("negative hardware: keep big GPUs free", "{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":80}}",
        "{\"negative_requirements\":{\"hardware\":{\"gpu_memory_gb\":48}}}", false),
      rule("negative hardware: small GPU is fine", "{\"services\":[\"comfyui\"],\"hardware\":{\"gpu_memory_gb\":24}}",
        "{\"negative_requirements\":{\"hardware\":{\"gpu_memory_gb\":48}}}", true),
      rule("positive and negative together", "{\"services\":[\"comfyui\"],\"region\":\"eu\",\"tier\":\"dc\"}",
        "{\"positive_requirements\":{\"region\":\"eu\"},\"negative_requirements\":{\"tier\":\"spot\"}}", true));
  }

  private static Arguments rule(String name, String worker, String requirements, boolean matches) {
    return Arguments.of(name, worker, requirements, matches);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  @DisplayName("matching rule")
  void matchesAsDocumented(String name, String worker, String requirements, boolean matches) {
    register("w", new JsonObject(worker));
    String id = submit(new JsonObject().put("service", "comfyui").put("requirements", new JsonObject(requirements))).id();
    assertThat(claim("w", 1)).as(name).hasSize(matches ? 1 : 0);
    assertThat(status(id)).isEqualTo(matches ? "assigned" : "queued");
  }

  @Test
  @DisplayName("a pool-bound job goes only to a worker of that pool")
  void pools() {
    register("fast", new JsonObject("{\"services\":[\"llm\"],\"pool\":\"fast\"}"));
    register("heavy", new JsonObject("{\"services\":[\"llm\"],\"pool\":\"heavy\"}"));
    submit(new JsonObject().put("service", "llm").put("pool", "fast"));
    assertThat(claim("heavy", 1)).isEmpty();
    assertThat(claim("fast", 1)).hasSize(1);
  }

  @Test
  @DisplayName("allowed and denied customer lists apply even when the job asks for no isolation")
  void customerListsAlwaysApply() {
    register("only-c1", new JsonObject("{\"services\":[\"s\"],\"customer_access\":{\"allowed_customers\":[\"c1\"]}}"));
    register("not-c2", new JsonObject("{\"services\":[\"s\"],\"customer_access\":{\"denied_customers\":[\"c2\"]}}"));
    String other = submit(new JsonObject().put("service", "s").put("customer_id", "other")).id();
    String c2 = submit(new JsonObject().put("service", "s").put("customer_id", "c2").put("priority", 90)).id();
    String none = submit(new JsonObject().put("service", "s")).id();
    assertThat(claim("only-c1", 3)).isEmpty();
    String c1 = submit(new JsonObject().put("service", "s").put("customer_id", "c1")).id();
    assertThat(claimOne("only-c1").id()).isEqualTo(c1);
    register("not-c2", new JsonObject("{\"services\":[\"s\"],\"customer_access\":{\"denied_customers\":[\"c2\"]}}"), 3, null);
    assertThat(claim("not-c2", 3)).extracting(c -> c.id()).containsExactlyInAnyOrder(other, none);
    assertThat(status(c2)).isEqualTo("queued");
  }

  @Test
  @DisplayName("a worker restricted to a workflow takes only that workflow's jobs")
  void workflowRestriction() {
    register("wf", new JsonObject("{\"services\":[\"s\"],\"workflow_id\":\"wf-1\"}"));
    submit(new JsonObject().put("service", "s").put("workflow_id", "wf-2"));
    submit(new JsonObject().put("service", "s"));
    assertThat(claim("wf", 1)).isEmpty();
    String mine = submit(new JsonObject().put("service", "s").put("workflow_id", "wf-1").put("priority", 10)).id();
    assertThat(claimOne("wf").id()).isEqualTo(mine);
  }

  @Test
  @DisplayName("invalid capability documents are refused at registration, naming the field")
  void invalidCaps() {
    for (String[] c : new String[][] {
      {"{\"services\":[\"s\"],\"hardware\":{\"gpu_memory_gb\":\"24\"}}", "capabilities.hardware.gpu_memory_gb"},
      {"{\"services\":[\"s\"],\"models\":\"some\"}", "capabilities.models"},
      {"{\"services\":[\"s\"],\"customer_access\":{\"isolation\":\"total\"}}", "capabilities.customer_access.isolation"},
      {"{\"services\":[\"s\"],\"pool\":7}", "capabilities.pool"},
      {"{\"services\":[\"s\"],\"x\":null}", "capabilities"}}) {
      BrokerException e = refused(store.registerWorker("w", "m", new io.emp.core.model.WorkerCapabilities(new JsonObject(c[0])), 1, null),
        BrokerError.INVALID);
      assertThat(e.field()).isEqualTo(c[1]);
    }
    assertThat(namespaceKeys()).isEmpty();
  }
}
