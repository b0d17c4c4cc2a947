package io.emp.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.Keys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What the fuzz tests hold every accepted job and the whole namespace to: a job read through the api
 * is well formed, and after a run Redis holds no half-written job (every job key belongs to a complete
 * job hash that the api can read, every status index points at a job, and every job was acknowledged).
 */
final class JobChecks {
  static final Pattern ULID = Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");
  static final Set<String> STATUSES = Set.of("queued", "delayed", "assigned", "running", "completed", "failed",
    "cancelled");
  private static final List<String> REQUIRED_FIELDS = List.of("service", "status", "sig", "priority", "score",
    "submitted_at", "max_attempts", "class");

  private JobChecks() {
  }

  /** A job as {@code GET /api/jobs/{id}} (or a list item, without payload) must look. */
  static void wellFormed(JsonObject j, String id) {
    assertThat(j.getString("id")).isEqualTo(id);
    assertThat(STATUSES).contains(j.getString("status"));
    assertThat(j.getString("service")).matches("[A-Za-z0-9_.:-]{1,64}");
    assertThat(j.getValue("priority")).isInstanceOf(Integer.class);
    assertThat(j.getInteger("priority")).isBetween(0, 100);
    assertThat(j.getLong("submitted_at")).isPositive();
    assertThat(j.getInteger("attempt")).isPositive();
    assertThat(j.getInteger("max_attempts")).isBetween(1, 20);
    assertThat(j.getInteger("losses")).isNotNegative();
    assertThat(j.getValue("progress")).isInstanceOf(Number.class);
    assertThat(j.getValue("cancel_requested")).isInstanceOf(Boolean.class);
    if (j.containsKey("payload")) {
      assertThat(j.getValue("payload")).isInstanceOf(JsonObject.class);
    }
  }

  /**
   * The body as a strict JSON object: valid UTF-8, valid JSON, finite numbers, no unpaired
   * surrogates. Null when any of that fails — the api must then refuse it.
   */
  static JsonObject strictObject(byte[] body) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    Object v;
    try {
      v = io.vertx.core.json.Json.decodeValue(text);
    } catch (RuntimeException e) {
      return null;
    }
    return v instanceof JsonObject o && representable(o) ? o : null;
  }

  /** Whether the value survives a round trip through UTF-8 JSON unchanged. */
  static boolean representable(Object v) {
    if (v instanceof Double d) {
      return Double.isFinite(d);
    }
    if (v instanceof String s) {
      return paired(s);
    }
    if (v instanceof JsonObject o) {
      for (var e : o) {
        if (!paired(e.getKey()) || !representable(e.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (v instanceof JsonArray a) {
      for (Object x : a) {
        if (!representable(x)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean paired(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * No half-written job: every {@code job:*} key belongs to a job hash with every required field,
   * readable and well formed through the api; every id in a status index has its hash; and the jobs
   * in Redis are exactly the acknowledged ones.
   */
  static void noHalfWrittenJobs(Redis redis, Keys keys, Function<String, JsonObject> readThroughApi,
                                Set<String> acknowledged) {
    String jobPrefix = keys.job("");
    Set<String> ids = new TreeSet<>();
    for (String key : strings(await(redis.send(Request.cmd(Command.KEYS).arg(jobPrefix + "*"))))) {
      String rest = key.substring(jobPrefix.length());
      String id = rest.replaceFirst(":(p|r)$", "");
      assertThat(id).as("job key %s", key).matches(ULID);
      ids.add(id);
    }
    for (String id : ids) {
      List<String> fields = strings(await(redis.send(Request.cmd(Command.HKEYS).arg(keys.job(id)))));
      assertThat(fields).as("fields of job %s (a key without its complete hash is half written)", id)
        .containsAll(REQUIRED_FIELDS);
      wellFormed(readThroughApi.apply(id), id);
    }
    for (String status : List.of("queued", "delayed", "completed", "failed", "cancelled")) {
      for (String id : strings(await(redis.send(Request.cmd(Command.ZRANGE).arg(keys.prefix() + "idx:" + status)
        .arg(0).arg(-1))))) {
        assertThat(ids).as("idx:%s member %s has a job", status, id).contains(id);
      }
    }
    assertThat(ids).as("jobs in Redis are exactly the acknowledged ones").isEqualTo(new TreeSet<>(acknowledged));
  }

  private static List<String> strings(Response r) {
    List<String> out = new ArrayList<>();
    if (r != null) {
      r.forEach(x -> out.add(x.toString()));
    }
    return out;
  }

  private static <T> T await(Future<T> f) {
    return ApiTestBase.await(f);
  }
}
