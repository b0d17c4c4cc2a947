package io.emp.worker.connector.a1111;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A checked A1111 payload: {@code {"mode": "txt2img" | "img2img", ...}}, the rest being the body of
 * {@code POST /sdapi/v1/txt2img} or {@code /sdapi/v1/img2img} as A1111 documents it ({@code prompt},
 * {@code negative_prompt}, {@code steps}, {@code sampler_name}, {@code width}, {@code init_images}, …).
 * Only what the connector depends on is checked here; A1111 validates the rest (a 422 is permanent).
 *
 * @param mode txt2img or img2img
 * @param body the request body (the payload without {@code mode})
 */
record A1111Payload(String mode, JsonObject body) {

  /** @throws IllegalArgumentException naming the field (a permanent failure) */
  static A1111Payload parse(JsonObject payload) {
    Object mode = payload.getValue("mode", "txt2img");
    if (!"txt2img".equals(mode) && !"img2img".equals(mode)) {
      throw new IllegalArgumentException("mode must be \"txt2img\" or \"img2img\", got " + mode);
    }
    if (!(payload.getValue("prompt") instanceof String)) {
      throw new IllegalArgumentException("prompt is required (a string)");
    }
    if ("img2img".equals(mode) && !(payload.getValue("init_images") instanceof JsonArray images
      && !images.isEmpty() && images.stream().allMatch(i -> i instanceof String))) {
      throw new IllegalArgumentException("init_images is required for img2img (a non-empty array of base64 images)");
    }
    JsonObject body = payload.copy();
    body.remove("mode");
    return new A1111Payload((String) mode, body);
  }
}
