package io.emp.worker.connector.a1111;

import io.emp.worker.connector.rest.FakeHttpServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fake AUTOMATIC1111 speaking the {@code /sdapi/v1} routes the connector uses, with the shapes of
 * {@code modules/api/api.py}: {@code txt2img}/{@code img2img} answer {@code {"images", "parameters",
 * "info": "<json string>"}} after {@code steps × stepMs}; {@code progress} answers {@code {"progress",
 * "eta_relative", "state": {"job", "job_no", "job_count", "sampling_step", "sampling_steps"},
 * "current_image", "textinfo"}}; {@code interrupt} ends the running generation early (as A1111
 * does); {@code sd-models} lists checkpoints. {@code stall} makes a generation never advance.
 */
final class FakeA1111 {
  final FakeHttpServer http;
  private final Vertx vertx;
  volatile int steps = 10;
  volatile long stepMs = 100;
  volatile boolean stall;
  private volatile int step;
  private volatile boolean generating;
  private volatile long startedAt;
  private final AtomicBoolean answered = new AtomicBoolean();
  private HttpServerRequest pending;
  private JsonObject pendingBody;
  private long timer = -1;

  FakeA1111(Vertx vertx) {
    this.vertx = vertx;
    this.http = new FakeHttpServer(vertx)
      .on("POST /sdapi/v1/txt2img", (req, s) -> generate(req, new JsonObject(s.body())))
      .on("POST /sdapi/v1/img2img", (req, s) -> generate(req, new JsonObject(s.body())))
      .on("GET /sdapi/v1/progress", (req, s) -> FakeHttpServer.json(req, 200, progress().encode()))
      .on("POST /sdapi/v1/interrupt", (req, s) -> {
        finish();
        FakeHttpServer.json(req, 200, "{}");
      })
      .reply("GET /sdapi/v1/sd-models", 200, new JsonArray()
        .add(new JsonObject().put("title", "sdxl_base.safetensors [31e35c80fc]").put("model_name", "sdxl_base")
          .put("hash", "31e35c80fc").put("filename", "/models/sdxl_base.safetensors"))
        .add(new JsonObject().put("title", "sd15.ckpt").put("model_name", "sd15")).encode())
      .start();
  }

  String url() {
    return http.url();
  }

  /** True once the current generation request has been answered. */
  boolean answered() {
    return answered.get();
  }

  int interrupts() {
    return http.seen("POST /sdapi/v1/interrupt").size();
  }

  private void generate(HttpServerRequest req, JsonObject body) {
    answered.set(false);
    pending = req;
    pendingBody = body;
    step = 0;
    generating = true;
    startedAt = System.currentTimeMillis();
    if (!stall) {
      timer = vertx.setPeriodic(stepMs, t -> {
        if (++step >= steps) {
          finish();
        }
      });
    }
  }

  private void finish() {
    vertx.cancelTimer(timer);
    generating = false;
    if (pending != null) {
      JsonObject answer = new JsonObject()
        .put("images", new JsonArray().add("iVBORw0KGgoAAAANSUhEUg=="))
        .put("parameters", pendingBody)
        .put("info", new JsonObject().put("seed", 1234).put("sd_model_name", "sdxl_base").encode());
      HttpServerRequest req = pending;
      pending = null;
      answered.set(true);
      FakeHttpServer.json(req, 200, answer.encode());
    }
  }

  private JsonObject progress() {
    JsonObject state = new JsonObject().put("skipped", false).put("interrupted", false)
      .put("job", generating ? "scripts_txt2img" : "").put("job_count", generating ? 1 : 0).put("job_no", 0)
      .put("sampling_step", step).put("sampling_steps", steps);
    if (!generating) {
      return new JsonObject().put("progress", 0).put("eta_relative", 0).put("state", state).putNull("textinfo");
    }
    double p = 0.01 + (double) step / steps;
    double elapsed = (System.currentTimeMillis() - startedAt) / 1000.0;
    return new JsonObject().put("progress", Math.min(p, 1)).put("eta_relative", elapsed / p - elapsed)
      .put("state", state).putNull("current_image").putNull("textinfo");
  }
}
