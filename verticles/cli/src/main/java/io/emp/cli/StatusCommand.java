package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code emp status}: machines and workers, queue depth per service and pool, the oldest wait, jobs no
 * live worker can run, and the north-star figures ({@code GET /api/stats}, {@code GET /api/machines}).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
  header = "Fleet and queues at a glance.",
  description = "Fleet and queues at a glance: machines online, workers busy, queue depth per service and "
    + "pool, oldest wait, jobs no live worker can run, and the north-star figures per pool. "
    + "--json prints {\"stats\": GET /api/stats, \"machines\": GET /api/machines}.")
final class StatusCommand extends ApiCommand {
  @Override
  public Integer call() {
    JsonNode stats = api().get("/api/stats");
    JsonNode machines = api().get("/api/machines").path("machines");
    if (json()) {
      ObjectNode doc = Json.object();
      doc.set("stats", stats);
      doc.set("machines", machines);
      printJson(doc);
      return Exit.OK;
    }
    PrintWriter out = out();
    summary(out, stats, machines);
    rollup(out, "SERVICE", stats.path("services"));
    rollup(out, "POOL", stats.path("pools"));
    northStar(out, stats.path("north_star"));
    return Exit.OK;
  }

  private static void summary(PrintWriter out, JsonNode s, JsonNode machines) {
    int online = 0;
    for (JsonNode m : machines) {
      online += "online".equals(m.path("status").asText()) ? 1 : 0;
    }
    JsonNode w = s.path("workers");
    out.printf("fleet    machines %d/%d online · workers %d busy / %d online (%d slots, %d stale, %d total)%n",
      online, machines.size(), w.path("busy").asLong(), w.path("online").asLong(), w.path("slots").asLong(),
      w.path("stale").asLong(), w.path("total").asLong());
    out.printf("jobs     queued %d · delayed %d · running %d · completed %d · failed %d · cancelled %d%n",
      s.path("queued").asLong(), s.path("delayed").asLong(), s.path("running").asLong(),
      s.path("completed").asLong(), s.path("failed").asLong(), s.path("cancelled").asLong());
    long unrunnable = s.path("unrunnable_jobs").asLong();
    out.printf("waiting  oldest %s · unrunnable %d%s%n", s.path("queued").asLong() == 0 ? "-"
      : Fmt.duration(s.path("oldest_waiting_ms").asLong()), unrunnable,
      unrunnable > 0 ? " (no live worker can run them: emp jobs --status queued, emp explain <id>)" : "");
    JsonNode t = s.path("totals");
    out.printf("totals   submitted %d · completed %d · failed %d · cancelled %d%n", t.path("submitted").asLong(),
      t.path("completed").asLong(), t.path("failed").asLong(), t.path("cancelled").asLong());
  }

  private static void rollup(PrintWriter out, String by, JsonNode rollup) {
    if (rollup.isEmpty()) {
      return;
    }
    Table t = new Table(by, ">QUEUED", ">UNRUNNABLE", ">OLDEST");
    for (Iterator<Map.Entry<String, JsonNode>> it = rollup.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode r = e.getValue();
      t.row(e.getKey(), r.path("depth").asLong(), r.path("unrunnable").asLong(), Fmt.duration(r.path("head_age_ms").asLong()));
    }
    out.println();
    t.print(out);
  }

  private static void northStar(PrintWriter out, JsonNode ns) {
    if (ns.isMissingNode()) {
      return;
    }
    out.println();
    out.printf("north star  own-pool share %s · warm models %s (%d warm, %d cold)%n", Fmt.percent(ns.path("own_pool_share")),
      Fmt.percent(ns.path("models_warm_share")), ns.path("models_warm").asLong(), ns.path("models_cold").asLong());
    JsonNode pools = ns.path("pools");
    if (pools.isEmpty()) {
      return;
    }
    Table t = new Table("POOL", ">WAIT P50", ">WAIT P95", ">RUN P50", ">RUN P95", ">BUSY/ONLINE", ">UTIL", ">OWN-POOL");
    for (Iterator<Map.Entry<String, JsonNode>> it = pools.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode p = e.getValue();
      t.row(e.getKey(), Fmt.duration(p.get("wait_p50_ms")), Fmt.duration(p.get("wait_p95_ms")),
        Fmt.duration(p.get("run_p50_ms")), Fmt.duration(p.get("run_p95_ms")),
        p.path("workers_busy").asLong() + "/" + p.path("workers_online").asLong(), Fmt.percent(p.get("utilisation")),
        Fmt.percent(p.get("own_pool_share")));
    }
    t.print(out);
  }
}
