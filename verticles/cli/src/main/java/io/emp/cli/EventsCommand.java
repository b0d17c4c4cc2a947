package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code emp events}: every job event of the namespace ({@code GET /api/events}). Replays the recent
 * past ({@code --since}) and stops where the stream turns live, or follows it ({@code --follow}); a
 * dropped connection is resumed with {@code Last-Event-ID}. {@code --limit} and {@code --timeout}
 * bound a follow for scripts and tests.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
  header = "Replay or follow the job events of every job.",
  description = "Job events of every job: without --follow, those of the last --since (default 10m), then "
    + "exit; with --follow, live events (after the --since replay when given) until --limit or "
    + "--timeout. One line per event; --json prints each event's JSON on its own line.")
final class EventsCommand extends ApiCommand {
  static final String DEFAULT_SINCE = "10m";
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final Pattern STREAM_ID = Pattern.compile("\\d{1,16}-\\d{1,18}");
  private static final Set<String> QUIET = Set.of("id", "ts", "type", "job", "status", "prev", "service");

  @Option(names = {"--follow", "-f"}, description = "Keep following live events.")
  boolean follow;

  @Option(names = "--since", paramLabel = "DURATION|ID",
    description = "Replay events since then: 30s, 10m, 2h, 1d, or an event id (<ms>-<seq>) to resume after.")
  String since;

  @Option(names = {"--limit", "-n"}, paramLabel = "N", description = "Exit after N events.")
  Integer limit;

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Exit (code 0) after this long, e.g. 30s.")
  String timeout;

  @Option(names = "--service", paramLabel = "NAME", description = "Only events of jobs of this service.")
  String service;

  @Option(names = "--job", paramLabel = "ID", description = "Only events of this job.")
  String job;

  private long deadline = -1;
  private String resume;
  private int printed;

  @Override
  public Integer call() {
    if (limit != null && limit < 1) {
      throw usage("--limit must be at least 1, got " + limit);
    }
    deadline = timeout == null ? -1 : System.currentTimeMillis() + millis("--timeout", timeout);
    resume = since != null ? resumePoint(since) : follow ? null : resumePoint(DEFAULT_SINCE);
    int failures = 0;
    boolean connected = false;
    while (true) {
      try (EventStream stream = api().stream("/api/events", resume)) {
        connected = true;
        failures = 0;
        Integer done = read(stream);
        if (done != null) {
          return done;
        }
      } catch (UnreachableException ex) {
        // only a stream that worked is worth resuming; out of time or attempts, the api is unreachable
        if (!connected || ++failures > JobFollower.MAX_RECONNECTS
          || deadline >= 0 && System.currentTimeMillis() >= deadline) {
          throw ex;
        }
      }
      if (deadline >= 0 && System.currentTimeMillis() >= deadline) {
        return Exit.OK;
      }
      pause(Math.min(5_000, 200L << Math.min(failures, 5)));
    }
  }

  /** Reads one connection; the exit code when the command is done, null when the api ended the stream. */
  private Integer read(EventStream stream) {
    while (true) {
      long left = deadline < 0 ? -1 : deadline - System.currentTimeMillis();
      if (deadline >= 0 && left <= 0) {
        return Exit.OK;
      }
      SseEvent e = stream.next(left);
      if (e == null) {
        return stream.ended() ? null : Exit.OK; // ended: resume where it stopped; else --timeout
      }
      resume = e.id() != null ? e.id() : resume;
      if (e.event().equals("live")) {
        if (!follow) {
          return Exit.OK;
        }
      } else if (e.event().equals("reset")) {
        err().println("emp: events may have been missed: " + e.data());
        err().flush();
      } else if (print(Json.parse(e.data())) && limit != null && ++printed >= limit) {
        return Exit.OK;
      }
    }
  }

  /** Prints an event that passes the filters; false when filtered out. */
  private boolean print(JsonNode e) {
    if (service != null && !service.equals(e.path("service").asText()) || job != null && !job.equals(e.path("job").asText())) {
      return false;
    }
    if (json()) {
      out().println(Json.compact(e));
    } else {
      StringBuilder b = new StringBuilder(Fmt.clock(e.path("ts").asLong()))
        .append("  ").append(String.format("%-20s", e.path("type").asText()))
        .append("  ").append(e.path("job").asText())
        .append("  ").append(e.path("service").asText());
      for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (!QUIET.contains(f.getKey())) {
          b.append(' ').append(f.getKey()).append('=').append(f.getValue().asText());
        }
      }
      out().println(b);
    }
    out().flush();
    return true;
  }

  /** An event id as given, or {@code <now - duration>-0}. */
  private String resumePoint(String value) {
    if (STREAM_ID.matcher(value).matches()) {
      return value;
    }
    return (System.currentTimeMillis() - millis("--since", value)) + "-0";
  }

  private long millis(String option, String value) {
    Matcher m = DURATION.matcher(value.strip());
    if (!m.matches()) {
      throw usage(option + ": expected a duration such as 500ms, 30s, 10m, 2h, 1d"
        + (option.equals("--since") ? " or an event id <ms>-<seq>" : "") + ", got " + value);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1_000;
      case "m" -> n * 60_000;
      case "h" -> n * 3_600_000;
      default -> n * 86_400_000;
    };
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnreachableException("interrupted", e);
    }
  }
}
