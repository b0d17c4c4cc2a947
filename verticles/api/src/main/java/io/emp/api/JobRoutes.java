package io.emp.api;

import io.emp.core.model.Job;
import io.emp.core.model.Results.JobPage;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/jobs} handlers: submit, read, list, cancel, retry, explain. Failures go to {@link ErrorMapper}. */
final class JobRoutes {
  static final String BASE = "/api/jobs";
  private final Jobs jobs;

  JobRoutes(Jobs jobs) {
    this.jobs = jobs;
  }

  /** 201 with a Location for a new job; 200 with the first job when the idempotency key was seen. */
  void submit(RoutingContext rc) {
    jobs.submit(JsonBody.object(rc), TokenAuth.principal(rc))
      .onSuccess(s -> {
        rc.response().putHeader(HttpHeaders.LOCATION, BASE + "/" + s.id());
        Http.json(rc.response(), s.duplicate() ? 200 : 201, Jobs.submitted(s));
      })
      .onFailure(rc::fail);
  }

  void get(RoutingContext rc) {
    Http.reply(rc, jobs.get(rc.pathParam("id"), TokenAuth.principal(rc)).map(Job::toJson));
  }

  void list(RoutingContext rc) {
    Http.reply(rc, jobs.list(ListQuery.from(rc.queryParams()), TokenAuth.principal(rc)).map(JobRoutes::page));
  }

  void cancel(RoutingContext rc) {
    String id = rc.pathParam("id");
    Http.reply(rc, jobs.cancel(id, TokenAuth.principal(rc)).map(status -> new JsonObject().put("id", id).put("status", status)));
  }

  void retry(RoutingContext rc) {
    String id = rc.pathParam("id");
    Http.reply(rc, jobs.retry(id).map(v -> new JsonObject().put("id", id).put("status", "queued")));
  }

  /** {@code {job, sig, service, pool, class, workers: [{id, machine, status, match, reason, note}]}}. */
  void explain(RoutingContext rc) {
    Http.reply(rc, jobs.explain(rc.pathParam("id")));
  }

  private static JsonObject page(JobPage page) {
    JsonArray items = new JsonArray();
    page.jobs().forEach(j -> items.add(j.toJson()));
    return new JsonObject().put("jobs", items).put("next_cursor", page.nextCursor());
  }
}
