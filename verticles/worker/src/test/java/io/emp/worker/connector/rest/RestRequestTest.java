package io.emp.worker.connector.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RestRequestTest {
  private static final URI BASE = URI.create("http://backend:8080/api");
  private static final RestAuth KEY = RestAuth.parse("EMP_REST_AUTH", "header:X-Api-Key:k1");

  private static RestRequest parse(JsonObject payload) {
    return RestRequest.parse(payload, BASE, KEY);
  }

  @Test
  @DisplayName("defaults: POST to the base URL, no body, the auth header set")
  void defaults() {
    RestRequest r = parse(new JsonObject());
    assertThat(r.method()).isEqualTo(HttpMethod.POST);
    assertThat(r.uri().toString()).isEqualTo("http://backend:8080/api");
    assertThat(r.body()).isNull();
    assertThat(r.headers().get("X-Api-Key")).isEqualTo("k1");
  }

  @Test
  @DisplayName("query values are encoded and appended, arrays repeat; a string body is text, other JSON is JSON")
  void queryAndBody() {
    RestRequest r = parse(new JsonObject().put("method", "put").put("path", "/items?a=1")
      .put("query", new JsonObject().put("q", "x&y z").put("tag", new JsonArray().add("a").add(2)).putNull("skip"))
      .put("body", "plain text"));
    assertThat(r.method()).isEqualTo(HttpMethod.PUT);
    assertThat(r.uri().toString()).isEqualTo("http://backend:8080/api/items?a=1&q=x%26y%20z&tag=a&tag=2");
    assertThat(r.headers().get("Content-Type")).startsWith("text/plain");
    assertThat(r.body().toString()).isEqualTo("plain text");

    RestRequest json = parse(new JsonObject().put("body", new JsonArray().add(1)));
    assertThat(json.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(json.body().toString()).isEqualTo("[1]");
    RestRequest typed = parse(new JsonObject().put("body", "a=1")
      .put("headers", new JsonObject().put("Content-Type", "application/x-www-form-urlencoded")));
    assertThat(typed.headers().get("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
  }

  @Test
  @DisplayName("each bad field is named: method, path, query, headers (reserved, auth-owned, injected), body with GET")
  void refusals() {
    assertThatThrownBy(() -> parse(new JsonObject().put("method", 5))).hasMessageContaining("method");
    assertThatThrownBy(() -> parse(new JsonObject().put("path", 5))).hasMessageContaining("path");
    assertThatThrownBy(() -> parse(new JsonObject().put("path", "https://elsewhere/x"))).hasMessageContaining("path");
    assertThatThrownBy(() -> parse(new JsonObject().put("query", "a=1"))).hasMessageContaining("query");
    assertThatThrownBy(() -> parse(new JsonObject().put("query", new JsonObject().put("a", new JsonObject()))))
      .hasMessageContaining("query.a");
    assertThatThrownBy(() -> parse(new JsonObject().put("headers", new JsonObject().put("x-api-key", "mine"))))
      .hasMessageContaining("headers");
    assertThatThrownBy(() -> parse(new JsonObject().put("headers", new JsonObject().put("X-Ok", "a\r\nHost: evil"))))
      .hasMessageContaining("headers.X-Ok");
    assertThatThrownBy(() -> parse(new JsonObject().put("headers", new JsonObject().put("Bad Name", "x"))))
      .hasMessageContaining("headers");
    assertThatThrownBy(() -> parse(new JsonObject().put("method", "GET").put("body", new JsonObject())))
      .hasMessageStartingWith("bad request").hasMessageContaining("body");
  }

  @Test
  @DisplayName("field paths: JSON pointers with escapes, dotted paths, array indexes; missing steps are null")
  void fieldPaths() {
    JsonObject doc = new JsonObject().put("data", new JsonObject().put("a/b", 1)
      .put("outputs", new JsonArray().add(new JsonObject().put("url", "u"))));
    assertThat(FieldPath.parse("/data/a~1b").get(doc)).isEqualTo(1);
    assertThat(FieldPath.parse("data.outputs.0.url").get(doc)).isEqualTo("u");
    assertThat(FieldPath.parse("/data/outputs/3/url").get(doc)).isNull();
    assertThat(FieldPath.parse("missing.x").get(doc)).isNull();
    assertThatThrownBy(() -> FieldPath.parse("a..b")).isInstanceOf(IllegalArgumentException.class);
  }
}
