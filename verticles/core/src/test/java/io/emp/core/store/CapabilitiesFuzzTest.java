package io.emp.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.WorkerCapabilities;
import io.emp.core.validation.ValidationException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Hostile worker capability documents (docs/security.md#hostile-input) sent to
 * {@code emp_register_worker} the way a compromised worker could, with raw {@code FCALL} bytes:
 * mutated documents (wrong types, nulls, huge and non-finite numbers, deep nesting, hostile names,
 * separators in model names), damaged JSON, invalid UTF-8, non-object documents, hostile ids, slots
 * and leases; and the same documents through {@link WorkerCapabilities} and {@link BrokerStore}.
 *
 * <p>Every refusal must be {@code {-5, field, message}} naming the field, and leave the namespace
 * byte for byte as it was (the worker that is re-registered keeps its job); a script error is a
 * failure. An accepted document must be stored as sent and be valid UTF-8 JSON with its services.
 *
 * <p>Knobs: {@code -Demp.fuzz.seed} (default 20261128), {@code -Demp.fuzz.count} (default
 * {@value #DEFAULT_COUNT}), {@code -Demp.fuzz.case}.
 */
class CapabilitiesFuzzTest extends StoreTestBase {
  static final int DEFAULT_COUNT = 1_000;
  private static final long SEED = Long.getLong("emp.fuzz.seed", 20261128L);
  private static final Integer ONLY = Integer.getInteger("emp.fuzz.case");
  private static final String HOLDER = "w-held";
  private static final String[] HOSTILE = {"", " ", "a,b", "sdxl,flux", "\n", "x\r\nINFO forged", "\u0000",
    "\u001b[31m", "é", "😀", "all", "none", "strict", "..", "a:b", "pool:x:workers", "*", "[", "\\", "\"",
    "k".repeat(65), "k".repeat(129), "z".repeat(5000), "1e999", "NaN", "null", "{}", "[]"};

  private final Map<String, Integer> outcomes = new TreeMap<>();
  private final List<String> failures = new ArrayList<>();

  @Test
  @DisplayName("hostile capability documents: refused with the field named and nothing written, or stored as sent")
  void hostileDocuments() {
    register(HOLDER, caps("s"));
    submit("s");
    ClaimedJob held = await(store.claim(HOLDER, 1, false)).get(0);
    int count = Integer.getInteger("emp.fuzz.count", DEFAULT_COUNT);
    int from = ONLY != null ? ONLY : 0;
    int to = ONLY != null ? ONLY + 1 : count;
    long started = System.currentTimeMillis();
    for (int i = from; i < to; i++) {
      Random r = new Random(SEED * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L);
      Call c = generate(r);
      try {
        if (r.nextInt(5) == 0 && c.javaDoc() != null) {
          throughJava(c);
        } else {
          raw(c);
        }
      } catch (Throwable t) {
        String line = "case " + i + " " + c.describe() + ": " + t;
        System.out.println("FUZZ FAILURE " + line + "\n    replay: -Dtest=CapabilitiesFuzzTest -Demp.fuzz.seed="
          + SEED + " -Demp.fuzz.case=" + i);
        if (failures.size() < 25) {
          failures.add(line);
        }
      }
    }
    System.out.printf("CapabilitiesFuzzTest: %d documents (seed %d) in %d ms; outcomes %s%n", to - from, SEED,
      System.currentTimeMillis() - started, outcomes);
    assertThat(failures).as("failed cases (seed %d)", SEED).isEmpty();
    Response h = cmd("HMGET", keys.prefix() + "worker:" + HOLDER, "state");
    assertThat(h.get(0).toString()).as("the worker refused re-registrations did not touch").isEqualTo("active");
    assertThat(await(store.getJob(held.id())).status().name()).isIn("ASSIGNED", "QUEUED");
  }

  /** One registration call: raw arguments, and the document as a JsonObject when it is one. */
  private record Call(String workerId, String machineId, byte[] caps, String slots, String lease, String what,
                      JsonObject javaDoc) {
    String describe() {
      String text = new String(caps, StandardCharsets.UTF_8);
      return what + " " + io.emp.core.LogSafe.of(text, 100) + " worker=" + io.emp.core.LogSafe.of(workerId, 40)
        + " slots=" + slots + " lease=" + lease;
    }
  }

  private void raw(Call c) {
    Map<String, Buffer> before = snapshot();
    Request req = Request.cmd(Command.FCALL).arg("emp_register_worker").arg(1).arg(keys.prefix())
      .arg(c.workerId()).arg(c.machineId()).arg(Buffer.buffer(c.caps())).arg(c.slots()).arg(c.lease());
    Response res = await(redis.send(req)); // a script error fails the future: a crash
    long code = res.get(0).toLong();
    if (code == 0) {
      outcomes.merge("registered", 1, Integer::sum);
      judgeStored(c);
      return;
    }
    String field = res.get(1).toString();
    outcomes.merge("refused:" + field.replaceAll("\\..*", ".*"), 1, Integer::sum);
    assertThat(code).as("refusal code").isEqualTo(-5);
    assertThat(field).as("the field").matches("capabilities(\\..+)?|worker_id|machine_id|slots|lease_ms");
    assertThat(res.get(2).toString()).as("the message").isNotBlank();
    assertThat(snapshot()).as("nothing written by a refused registration of %s", field).isEqualTo(before);
  }

  private void throughJava(Call c) {
    WorkerCapabilities caps;
    try {
      caps = new WorkerCapabilities(c.javaDoc());
    } catch (ValidationException e) {
      outcomes.merge("java-refused", 1, Integer::sum);
      assertThat(e.getMessage()).contains("capabilities");
      return;
    }
    if (!c.workerId().matches("[A-Za-z0-9_.:-]{1,128}")) {
      return; // the store's own checks of ids are covered by the raw calls
    }
    Map<String, Buffer> before = snapshot();
    try {
      await(store.registerWorker(c.workerId(), "m1", caps, 1, null));
      outcomes.merge("java-registered", 1, Integer::sum);
    } catch (BrokerException e) {
      outcomes.merge("java-refused", 1, Integer::sum);
      assertThat(e.error()).isEqualTo(BrokerError.INVALID);
      assertThat(e.field()).startsWith("capabilities");
      assertThat(snapshot()).isEqualTo(before);
    }
  }

  /** An accepted document is stored byte for byte, is valid UTF-8 JSON, and lists its services. */
  private void judgeStored(Call c) {
    String key = keys.prefix() + "worker:" + c.workerId();
    Response stored = cmd("HGET", key, "caps");
    assertThat(stored.toBuffer().getBytes()).as("caps stored as sent").isEqualTo(c.caps());
    String text = strictUtf8(c.caps());
    assertThat(text).as("an accepted document is valid UTF-8").isNotNull();
    JsonObject doc = new JsonObject(text);
    JsonArray services = doc.getJsonArray("services");
    assertThat(cmd("HGET", key, "services").toString()).isEqualTo(String.join(",", services.stream()
      .map(String::valueOf).toList()));
    for (Object m : models(doc)) {
      assertThat((String) m).as("model names are stored comma-separated").doesNotContain(",");
    }
  }

  private static List<Object> models(JsonObject doc) {
    Object m = doc.getValue("models");
    List<Object> out = new ArrayList<>();
    if (m instanceof JsonArray a) {
      a.forEach(out::add);
    } else if (m instanceof JsonObject o) {
      o.forEach(e -> {
        if (e.getValue() instanceof JsonArray a) {
          a.forEach(out::add);
        }
      });
    }
    return out;
  }

  private Map<String, Buffer> snapshot() {
    List<String> names = namespaceKeys();
    List<Request> dumps = names.stream().map(k -> Request.cmd(Command.DUMP).arg(k)).toList();
    List<Response> got = dumps.isEmpty() ? List.of() : await(redis.batch(dumps));
    Map<String, Buffer> out = new TreeMap<>();
    for (int k = 0; k < names.size(); k++) {
      out.put(names.get(k), got.get(k) == null ? null : got.get(k).toBuffer());
    }
    return out;
  }

  private static String strictUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  // --- generating ------------------------------------------------------------------------------------

  private Call generate(Random r) {
    String wid = r.nextInt(8) == 0 ? pick(r, HOSTILE) : pick(r, HOLDER, "w1", "w2", "w-" + r.nextInt(8));
    String machine = r.nextInt(12) == 0 ? pick(r, HOSTILE) : "m1";
    String slots = r.nextInt(10) == 0 ? pick(r, "0", "257", "-1", "1.5", "", "x", "1e999", "nan") : "1";
    String lease = r.nextInt(10) == 0 ? pick(r, "99", "3600001", "0x10", "inf", "1e3") : "";
    int dice = r.nextInt(100);
    if (dice < 60) {
      JsonObject doc = valid(r);
      List<String> did = new ArrayList<>();
      for (int k = r.nextInt(4); k > 0; k--) {
        did.add(mutate(r, doc));
      }
      return new Call(wid, machine, doc.encode().getBytes(StandardCharsets.UTF_8), slots, lease, "mutated " + did, doc);
    }
    String text = switch (r.nextInt(10)) {
      case 0 -> pick(r, "", " ", "null", "[]", "{}", "[\"s\"]", "\"s\"", "1", "{\"services\":null}");
      case 1 -> "{\"services\":[\"s\"],\"x\":" + nested(pick(r, 4, 5, 6, 50, 999, 1001, 100_000), "1") + "}";
      case 2 -> "{\"services\":[\"s\"],\"hardware\":{\"gpu_memory_gb\":" + pick(r, "1e999", "-1e999", "NaN", "Infinity",
        "1" + "0".repeat(400), "0x10", "-0", "1e-999") + "}}";
      case 3 -> "{\"services\":[\"s\"],\"services\":[\"t\"]}";
      case 4 -> "{\"services\":[\"s\"],\"models\":" + nested(pick(r, 2, 30), "[\"m\"]") + "}";
      case 5 -> "{\"services\":[\"s\"],\"pool\":\"" + "p".repeat(pick(r, 64, 65, 200, 100_000)) + "\"}";
      default -> damage(r, valid(r).encode());
    };
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (r.nextInt(4) == 0) {
      bytes = withInvalidUtf8(r, bytes);
    }
    return new Call(wid, machine, bytes, slots, lease, "text", null);
  }

  private static JsonObject valid(Random r) {
    JsonObject doc = new JsonObject().put("services", new JsonArray().add("s").add(pick(r, "comfyui", "ollama", "t")));
    if (r.nextBoolean()) {
      doc.put("hardware", new JsonObject().put("gpu_memory_gb", 24).put("gpu_model", "RTX 4090").put("cpu_cores", 8));
    }
    if (r.nextBoolean()) {
      doc.put("models", r.nextBoolean() ? new JsonArray().add("sdxl").add("flux")
        : new JsonObject().put("comfyui", new JsonArray().add("sdxl")).put("ollama", "all"));
    }
    if (r.nextInt(3) == 0) {
      doc.put("customer_access", new JsonObject().put("isolation", "loose")
        .put("allowed_customers", new JsonArray().add("acme")).put("denied_customers", new JsonArray()));
    }
    if (r.nextInt(3) == 0) {
      doc.put("pool", "fast").put("geographic_region", "eu").put("compliance", new JsonArray().add("gdpr"));
    }
    if (r.nextInt(4) == 0) {
      doc.put("components", "all").put("workflows", new JsonArray().add("txt2img")).put("workflow_id", "wf-1");
    }
    if (r.nextInt(4) == 0) {
      doc.put("model_downloads", true).put("download_bytes_per_s", 1e8);
    }
    if (r.nextInt(4) == 0) {
      doc.put("location", new JsonObject().put("region", "eu-west").put("rack", 7));
    }
    return doc;
  }

  private static final List<String> PATHS = List.of("services", "hardware", "hardware.gpu_memory_gb",
    "hardware.cpu_cores", "hardware.ram_gb", "hardware.gpu_model", "gpu_memory_gb", "models", "models.comfyui",
    "customer_access", "customer_access.isolation", "customer_access.allowed_customers", "pool", "workflow_id",
    "geographic_region", "components", "workflows", "compliance", "model_downloads", "download_bytes_per_s",
    "location", "location.region");

  private static String mutate(Random r, JsonObject doc) {
    String path = r.nextInt(6) == 0 ? pick(r, HOSTILE) : PATHS.get(r.nextInt(PATHS.size()));
    JsonObject at = doc;
    String[] parts = path.contains(".") && !path.startsWith(".") ? path.split("\\.") : new String[] {path};
    for (int k = 0; k < parts.length - 1; k++) {
      Object v = at.getValue(parts[k]);
      JsonObject next = v instanceof JsonObject o ? o : new JsonObject();
      at.put(parts[k], next);
      at = next;
    }
    String last = parts[parts.length - 1];
    switch (r.nextInt(7)) {
      case 0 -> at.putNull(last);
      case 1 -> at.remove(last);
      case 2 -> at.put(last, hostileValue(r, 3));
      case 3 -> at.put(last, new JsonArray().add(pick(r, HOSTILE)).add(hostileScalar(r)));
      case 4 -> at.put(last, pick(r, HOSTILE));
      case 5 -> at.put(last, new JsonObject().put(pick(r, HOSTILE), hostileValue(r, 2)));
      default -> at.put(last, hostileScalar(r));
    }
    return path;
  }

  private static Object hostileScalar(Random r) {
    return switch (r.nextInt(12)) {
      case 0 -> true;
      case 1 -> 0;
      case 2 -> -1;
      case 3 -> Long.MAX_VALUE;
      case 4 -> 1e308;
      case 5 -> -0.0;
      case 6 -> BigInteger.TWO.pow(200);
      case 7 -> 1e-320;
      case 8 -> "all";
      default -> pick(r, HOSTILE);
    };
  }

  private static Object hostileValue(Random r, int depth) {
    if (depth <= 0 || r.nextInt(3) == 0) {
      return hostileScalar(r);
    }
    if (r.nextBoolean()) {
      JsonArray a = new JsonArray();
      for (int k = r.nextInt(4); k > 0; k--) {
        a.add(hostileValue(r, depth - 1));
      }
      return a;
    }
    JsonObject o = new JsonObject();
    for (int k = r.nextInt(4); k > 0; k--) {
      o.put(r.nextBoolean() ? pick(r, HOSTILE) : "k" + k, hostileValue(r, depth - 1));
    }
    return o;
  }

  private static String nested(int levels, String inner) {
    return "{\"a\":".repeat(levels) + inner + "}".repeat(levels);
  }

  private static String damage(Random r, String json) {
    int at = r.nextInt(json.length());
    return switch (r.nextInt(5)) {
      case 0 -> json.substring(0, at);
      case 1 -> json.substring(0, at) + json.substring(at + 1);
      case 2 -> json.substring(0, at) + pick(r, "{", "}", "[", "]", ",", ":", "\"", "\\", "'", "\u0000") + json.substring(at);
      case 3 -> json + pick(r, " x", "}", ",", "{}");
      default -> json.replaceFirst("\"s\"", "\"\\\\ud800\"");
    };
  }

  private static final byte[][] INVALID_UTF8 = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
    {(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
    {(byte) 0xC3, (byte) 0x28}};

  /** An invalid UTF-8 sequence inside the last string of the document. */
  private static byte[] withInvalidUtf8(Random r, byte[] bytes) {
    int at = bytes.length;
    for (int k = bytes.length - 1; k > 0; k--) {
      if (bytes[k] == '"') {
        at = k;
        break;
      }
    }
    byte[] bad = INVALID_UTF8[r.nextInt(INVALID_UTF8.length)];
    byte[] out = Arrays.copyOf(bytes, bytes.length + bad.length);
    System.arraycopy(bad, 0, out, at, bad.length);
    System.arraycopy(bytes, at, out, at + bad.length, bytes.length - at);
    return out;
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }
}
