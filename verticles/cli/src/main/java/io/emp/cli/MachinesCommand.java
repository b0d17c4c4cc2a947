package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code emp machines [machine]}: the machine registry ({@code GET /api/machines}), or one machine with
 * its services and workers ({@code GET /api/machines/{id}}).
 */
@Command(name = "machines", mixinStandardHelpOptions = true,
  header = "List machines, or show one with its services.",
  description = "The machines with their presence, phase, pool, workers and services; with a machine id, "
    + "that machine's services (the names `emp restart` and `emp logs` take) and workers. --json "
    + "prints the api's {\"machines\": [...]} or the one machine.")
final class MachinesCommand extends ApiCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "MACHINE", description = "One machine's details.")
  String machine;

  @Override
  public Integer call() {
    if (machine != null) {
      JsonNode m = api().get("/api/machines/" + Api.segment(machine));
      if (json()) {
        printJson(m);
      } else {
        detail(out(), m);
      }
      return Exit.OK;
    }
    JsonNode all = api().get("/api/machines");
    if (json()) {
      printJson(all);
      return Exit.OK;
    }
    long now = System.currentTimeMillis();
    Table t = new Table("MACHINE", "STATUS", "PHASE", "POOL", ">WORKERS", ">BUSY", ">SERVICES", ">LAST SEEN");
    for (JsonNode m : all.path("machines")) {
      int online = 0;
      int busy = 0;
      for (JsonNode w : m.path("workers")) {
        online += "online".equals(w.path("status").asText()) ? 1 : 0;
        busy += w.path("jobs").isEmpty() ? 0 : 1;
      }
      int ready = 0;
      JsonNode services = m.path("doc").path("services");
      for (JsonNode s : services) {
        ready += "ready".equals(s.path("state").asText()) ? 1 : 0;
      }
      t.row(m.path("id").asText(), m.path("status").asText(), Fmt.text(m.path("phase")), Fmt.text(m.path("pool")),
        online + "/" + m.path("workers").size(), busy, services.isEmpty() ? "-" : ready + "/" + services.size(),
        Fmt.ago(m.get("last_seen"), now) + " ago");
    }
    if (t.isEmpty()) {
      out().println("no machines");
    } else {
      t.print(out());
    }
    return Exit.OK;
  }

  private static void detail(PrintWriter out, JsonNode m) {
    long now = System.currentTimeMillis();
    out.printf("machine %s: %s, phase %s, pool %s, %s, last seen %s ago%n", m.path("id").asText(),
      m.path("status").asText(), Fmt.text(m.path("phase")), Fmt.text(m.path("pool")),
      m.path("supervised").asBoolean() ? "supervised" : "no supervisor", Fmt.ago(m.get("last_seen"), now));
    Table services = new Table("SERVICE", "STATE", ">PID", ">GPU", ">RESTARTS", ">UPTIME", "LAST ERROR");
    for (JsonNode s : m.path("doc").path("services")) {
      services.row(s.path("name").asText(), s.path("state").asText(), Fmt.text(s.path("pid")), Fmt.text(s.path("gpu")),
        s.path("restarts").asInt(), Fmt.duration(s.get("uptime_ms")), Fmt.text(s.path("last_error")));
    }
    if (!services.isEmpty()) {
      out.println();
      services.print(out);
    }
    Table workers = new Table("WORKER", "STATUS", "POOL", "SERVICES", "JOBS");
    for (JsonNode w : m.path("workers")) {
      workers.row(w.path("id").asText(), w.path("status").asText(), Fmt.text(w.path("pool")),
        join(w.path("services")), w.path("jobs").isEmpty() ? "-" : join(w.path("jobs")));
    }
    if (!workers.isEmpty()) {
      out.println();
      workers.print(out);
    }
  }

  private static String join(JsonNode array) {
    StringBuilder b = new StringBuilder();
    for (JsonNode n : array) {
      b.append(b.length() == 0 ? "" : ",").append(n.asText());
    }
    return b.toString();
  }
}
