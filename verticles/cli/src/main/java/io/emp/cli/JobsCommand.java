package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code emp jobs}: the newest jobs ({@code GET /api/jobs}), filtered by status and service in the api
 * and by pool here (the api has no pool filter: pages are read until {@code --limit} jobs of the pool
 * were found, at most {@value #POOL_SCAN} jobs).
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
  header = "List jobs, newest first.",
  description = "The newest jobs, newest first by the time they entered their status. --json prints the "
    + "api's page {\"jobs\": [...], \"next_cursor\"}.")
final class JobsCommand extends ApiCommand {
  static final int POOL_SCAN = 5_000;

  @Option(names = "--status", paramLabel = "STATUS",
    description = "queued, delayed, assigned, running, completed, failed or cancelled (default: all).")
  String status;

  @Option(names = "--service", paramLabel = "NAME", description = "Only jobs of this service.")
  String service;

  @Option(names = "--pool", paramLabel = "POOL", description = "Only jobs of this pool (filtered by emp; '' = no pool).")
  String pool;

  @Option(names = {"--limit", "-n"}, paramLabel = "N", defaultValue = "50", description = "At most N jobs, 1-500 (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--cursor", paramLabel = "CURSOR", description = "Continue after a previous page (its next_cursor).")
  String cursor;

  @Override
  public Integer call() {
    if (limit < 1 || limit > 500) {
      throw usage("--limit must be 1-500, got " + limit);
    }
    ObjectNode page = pool == null ? page(cursor, limit) : poolPage();
    if (json()) {
      printJson(page);
      return Exit.OK;
    }
    print(out(), page);
    return Exit.OK;
  }

  private ObjectNode page(String from, int n) {
    StringBuilder q = new StringBuilder("/api/jobs?limit=").append(n);
    if (status != null) {
      q.append("&status=").append(Api.param(status));
    }
    if (service != null) {
      q.append("&service=").append(Api.param(service));
    }
    if (from != null) {
      q.append("&cursor=").append(Api.param(from));
    }
    return (ObjectNode) api().get(q.toString());
  }

  /** Pages of 500 until {@code limit} jobs of the pool, the end, or {@value #POOL_SCAN} jobs read. */
  private ObjectNode poolPage() {
    ArrayNode kept = Json.array();
    String next = cursor;
    int read = 0;
    do {
      ObjectNode p = page(next, 500);
      for (JsonNode j : p.path("jobs")) {
        if (kept.size() < limit && pool.equals(j.path("pool").asText(""))) {
          kept.add(j);
        }
      }
      read += p.path("jobs").size();
      next = p.path("next_cursor").isTextual() ? p.path("next_cursor").asText() : null;
    } while (next != null && kept.size() < limit && read < POOL_SCAN);
    ObjectNode out = Json.object();
    out.set("jobs", kept);
    out.put("next_cursor", next);
    return out;
  }

  private static void print(PrintWriter out, JsonNode page) {
    long now = System.currentTimeMillis();
    Table t = new Table("ID", "STATUS", "SERVICE", "POOL", ">PRI", ">ATTEMPT", ">PROGRESS", ">AGE", "WORKER");
    for (JsonNode j : page.path("jobs")) {
      t.row(j.path("id").asText(), j.path("status").asText(), j.path("service").asText(), Fmt.text(j.path("pool")),
        j.path("priority").asInt(), j.path("attempt").asInt() + "/" + j.path("max_attempts").asInt(),
        Math.round(j.path("progress").asDouble()) + "%", Fmt.ago(j.get("submitted_at"), now), Fmt.text(j.path("worker")));
    }
    if (t.isEmpty()) {
      out.println("no jobs");
    } else {
      t.print(out);
    }
    if (page.path("next_cursor").isTextual()) {
      out.println("more: --cursor " + page.path("next_cursor").asText());
    }
  }
}
