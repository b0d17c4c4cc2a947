package io.emp.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates JSON values against the OpenAPI 3.0 schema subset {@code openapi.yaml} uses: {@code $ref}
 * (local), {@code type}, {@code nullable}, {@code enum}, {@code properties}, {@code required},
 * {@code additionalProperties}, {@code items}, {@code minimum}/{@code maximum} (with
 * {@code exclusiveMinimum}), {@code minLength}/{@code maxLength}, {@code pattern}. An unknown keyword
 * fails loudly, so the document cannot use something this check silently ignores.
 */
final class SchemaValidator {
  private static final List<String> KNOWN = List.of("$ref", "type", "nullable", "enum", "properties", "required",
    "additionalProperties", "items", "minimum", "maximum", "exclusiveMinimum", "minLength", "maxLength", "pattern",
    "description", "example", "default", "summary");
  private final JsonObject document;

  SchemaValidator(JsonObject document) {
    this.document = document;
  }

  JsonObject resolve(JsonObject schema) {
    JsonObject s = schema;
    while (s.containsKey("$ref")) {
      String ref = s.getString("$ref");
      if (!ref.startsWith("#/")) {
        throw new IllegalArgumentException("only local refs: " + ref);
      }
      Object node = document;
      for (String part : ref.substring(2).split("/")) {
        node = ((JsonObject) node).getValue(part);
      }
      if (node == null) {
        throw new IllegalArgumentException("dangling $ref " + ref);
      }
      s = (JsonObject) node;
    }
    return s;
  }

  /** Fails on a keyword this check does not implement, anywhere under {@code schema}. */
  void lint(JsonObject schema, String path) {
    for (String key : schema.fieldNames()) {
      if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException("schema keyword '" + key + "' at " + path + " is not supported by this check");
      }
    }
    schema.getJsonObject("properties", new JsonObject()).forEach(e -> lint((JsonObject) e.getValue(), path + "." + e.getKey()));
    if (schema.getValue("items") instanceof JsonObject items) {
      lint(items, path + "[]");
    }
    if (schema.getValue("additionalProperties") instanceof JsonObject additional) {
      lint(additional, path + ".*");
    }
  }

  /** Every violation, with its JSON path; empty when {@code value} conforms. */
  List<String> validate(Object value, JsonObject schema) {
    List<String> errors = new ArrayList<>();
    check(value, schema, "$", errors);
    return errors;
  }

  private void check(Object value, JsonObject schemaOrRef, String path, List<String> errors) {
    JsonObject s = resolve(schemaOrRef);
    if (value == null) {
      if (!s.getBoolean("nullable", false) && s.containsKey("type")) {
        errors.add(path + ": null but not nullable");
      }
      return;
    }
    String type = s.getString("type");
    if (type != null && !hasType(value, type)) {
      errors.add(path + ": expected " + type + " but got " + value.getClass().getSimpleName() + " " + value);
      return;
    }
    if (s.containsKey("enum") && !s.getJsonArray("enum").contains(value)) {
      errors.add(path + ": " + value + " not in " + s.getJsonArray("enum"));
    }
    if (value instanceof JsonObject o) {
      object(o, s, path, errors);
    } else if (value instanceof JsonArray a && s.containsKey("items")) {
      for (int i = 0; i < a.size(); i++) {
        check(a.getValue(i), s.getJsonObject("items"), path + "[" + i + "]", errors);
      }
    } else if (value instanceof Number n) {
      number(n.doubleValue(), s, path, errors);
    } else if (value instanceof String str) {
      string(str, s, path, errors);
    }
  }

  private void object(JsonObject o, JsonObject s, String path, List<String> errors) {
    JsonObject props = s.getJsonObject("properties", new JsonObject());
    for (Object r : s.getJsonArray("required", new JsonArray())) {
      if (!o.containsKey((String) r)) {
        errors.add(path + ": missing required '" + r + "'");
      }
    }
    Object additional = s.getValue("additionalProperties");
    for (Map.Entry<String, Object> e : o) {
      String p = path + "." + e.getKey();
      if (props.containsKey(e.getKey())) {
        check(e.getValue(), props.getJsonObject(e.getKey()), p, errors);
      } else if (Boolean.FALSE.equals(additional)) {
        errors.add(p + ": not allowed (additionalProperties: false)");
      } else if (additional instanceof JsonObject schema) {
        check(e.getValue(), schema, p, errors);
      }
    }
  }

  private static void number(double d, JsonObject s, String path, List<String> errors) {
    if (s.containsKey("minimum")) {
      double min = s.getDouble("minimum");
      boolean exclusive = s.getBoolean("exclusiveMinimum", false);
      if (exclusive ? d <= min : d < min) {
        errors.add(path + ": " + d + " below minimum " + min);
      }
    }
    if (s.containsKey("maximum") && d > s.getDouble("maximum")) {
      errors.add(path + ": " + d + " above maximum " + s.getDouble("maximum"));
    }
  }

  private static void string(String str, JsonObject s, String path, List<String> errors) {
    if (s.containsKey("minLength") && str.length() < s.getInteger("minLength")) {
      errors.add(path + ": shorter than " + s.getInteger("minLength"));
    }
    if (s.containsKey("maxLength") && str.length() > s.getInteger("maxLength")) {
      errors.add(path + ": longer than " + s.getInteger("maxLength"));
    }
    if (s.containsKey("pattern") && !Pattern.compile(s.getString("pattern")).matcher(str).find()) {
      errors.add(path + ": '" + str + "' does not match " + s.getString("pattern"));
    }
  }

  private static boolean hasType(Object v, String type) {
    return switch (type) {
      case "object" -> v instanceof JsonObject;
      case "array" -> v instanceof JsonArray;
      case "string" -> v instanceof String;
      case "boolean" -> v instanceof Boolean;
      case "number" -> v instanceof Number;
      case "integer" -> v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue());
      default -> throw new IllegalArgumentException("unknown type " + type);
    };
  }
}
