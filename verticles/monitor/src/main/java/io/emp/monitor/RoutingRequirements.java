package io.emp.monitor;

import io.emp.core.Keys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

/**
 * A job's routing requirements for the page's details panel. The broker keeps them only in the
 * descriptor of the job's signature ({@code P sigd}, written once by {@code emp_submit}, normalised:
 * informational fields such as {@code timeout_minutes} are not kept), so this reads that descriptor
 * and turns the normalised form back into the document shape of docs/matching.md.
 */
final class RoutingRequirements {
  private final Redis redis;
  private final String descriptors;

  RoutingRequirements(Redis redis, Keys keys) {
    this.redis = redis;
    // the key the function library builds as P .. 'sigd' (read-only here)
    this.descriptors = keys.signatureDescriptors();
  }

  /** The requirements of signature {@code sig}; an empty object when it has none or is unknown. */
  Future<JsonObject> of(String sig) {
    if (sig == null || sig.isEmpty()) {
      return Future.succeededFuture(new JsonObject());
    }
    return redis.send(Request.cmd(Command.HGET).arg(descriptors).arg(sig))
      .map(r -> r == null ? new JsonObject() : document(new JsonObject(r.toString()).getJsonObject("r")))
      .recover(e -> Future.succeededFuture(new JsonObject()));
  }

  /** Normalised ({@code hw, custom, models, iso, region, compliance, component, workflow, neg, neg_hw}) → document. */
  static JsonObject document(JsonObject n) {
    JsonObject out = new JsonObject();
    if (n == null) {
      return out;
    }
    putObject(out, "hardware", n.getValue("hw"));
    if (n.getValue("custom") instanceof JsonObject custom) {
      custom.forEach(e -> out.put(e.getKey(), e.getValue()));
    }
    copy(n, "models", out, "models");
    copy(n, "iso", out, "customer_isolation");
    copy(n, "region", out, "geographic_region");
    copy(n, "compliance", out, "compliance");
    copy(n, "component", out, "component");
    copy(n, "workflow", out, "workflow");
    JsonObject negative = new JsonObject();
    if (n.getValue("neg") instanceof JsonObject neg) {
      neg.forEach(e -> negative.put(e.getKey(), e.getValue()));
    }
    putObject(negative, "hardware", n.getValue("neg_hw"));
    if (!negative.isEmpty()) {
      out.put("negative_requirements", negative);
    }
    return out;
  }

  private static void putObject(JsonObject out, String key, Object value) {
    if (value instanceof JsonObject o && !o.isEmpty()) {
      out.put(key, o);
    }
  }

  private static void copy(JsonObject from, String key, JsonObject to, String as) {
    Object v = from.getValue(key);
    if (v != null) {
      to.put(as, v);
    }
  }
}
