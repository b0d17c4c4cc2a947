package io.emp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code emp submit <service>}: submits one job or {@code --count} of them ({@code POST /api/jobs}) and,
 * with {@code --wait}, follows them to their end; the exit code is then the worst outcome.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
  header = "Submit jobs, optionally waiting for their outcome.",
  description = "Submit a job (or --count of them). Prints each id and status; --json prints the api's "
    + "reply (an array for --count > 1). With --wait it follows the job to its end (one job: like "
    + "`emp job --follow`; several: one outcome line each), --json then prints the finished "
    + "job(s), and the exit code is the worst outcome: 1 if any failed, else 2 if any was "
    + "cancelled, else 0. Stops at the first refused submission.")
final class SubmitCommand extends ApiCommand {
  static final int MAX_COUNT = 1_000;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service that runs the job, e.g. comfyui, simulation.")
  String service;

  @Option(names = "--payload", paramLabel = "JSON|@FILE", description = "The job's payload: a JSON object, @file, or @- for stdin.")
  String payload;

  @Option(names = "--priority", paramLabel = "N", description = "0-100, higher first (the api's default: 50).")
  Integer priority;

  @Option(names = "--pool", paramLabel = "POOL", description = "Only workers of this pool take the job.")
  String pool;

  @Option(names = "--requirements", paramLabel = "JSON|@FILE", description = "Routing requirements (docs/matching.md): a JSON object or @file.")
  String requirements;

  @Option(names = "--job-class", paramLabel = "CLASS", description = "The job's class for the duration model (docs/pools-and-models.md).")
  String jobClass;

  @Option(names = "--max-attempts", paramLabel = "N", description = "1-20 (the api's default: 3).")
  Integer maxAttempts;

  @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Submit N identical jobs, 1-" + MAX_COUNT + ".")
  int count;

  @Option(names = {"--wait", "-w"}, description = "Follow the job(s) until they end; exit code by outcome.")
  boolean wait;

  @Override
  public Integer call() {
    if (count < 1 || count > MAX_COUNT) {
      throw usage("--count must be 1-" + MAX_COUNT + ", got " + count);
    }
    ObjectNode body = body();
    List<JsonNode> replies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonNode reply = api().post("/api/jobs", body);
      replies.add(reply);
      if (!json() && !(wait && count == 1)) {
        out().println(reply.path("id").asText() + "  " + reply.path("status").asText());
        out().flush();
      }
    }
    if (!wait) {
      if (json()) {
        printJson(count == 1 ? replies.get(0) : array(replies));
      }
      return Exit.OK;
    }
    if (count == 1) {
      return waitForOne(replies.get(0).path("id").asText());
    }
    return waitForAll(replies);
  }

  private int waitForOne(String id) {
    if (json()) {
      String status = JobFollower.follow(api(), id, silent());
      printJson(api().get("/api/jobs/" + Api.segment(id)));
      return Exit.forJob(status);
    }
    out().println("submitted " + id);
    return JobCommand.follow(this, id);
  }

  private int waitForAll(List<JsonNode> replies) {
    int worst = Exit.OK;
    List<JsonNode> finished = new ArrayList<>();
    for (JsonNode r : replies) {
      String id = r.path("id").asText();
      JobFollower.follow(api(), id, silent());
      JsonNode job = api().get("/api/jobs/" + Api.segment(id));
      finished.add(job);
      worst = worse(worst, Exit.forJob(job.path("status").asText()));
      if (!json()) {
        out().println(JobView.outcome(job));
        out().flush();
      }
    }
    if (json()) {
      printJson(array(finished));
    }
    return worst;
  }

  /** Failed (1) is worse than cancelled (2), which is worse than completed (0). */
  private static int worse(int a, int b) {
    if (a == Exit.FAILED || b == Exit.FAILED) {
      return Exit.FAILED;
    }
    return Math.max(a, b);
  }

  private ObjectNode body() {
    ObjectNode b = Json.object().put("service", service);
    if (payload != null) {
      b.set("payload", jsonObject("--payload", payload));
    }
    if (requirements != null) {
      b.set("requirements", jsonObject("--requirements", requirements));
    }
    if (priority != null) {
      b.put("priority", priority);
    }
    if (pool != null) {
      b.put("pool", pool);
    }
    if (jobClass != null) {
      b.put("job_class", jobClass);
    }
    if (maxAttempts != null) {
      b.put("max_attempts", maxAttempts);
    }
    return b;
  }

  /** A JSON object given inline, as {@code @file} or as {@code @-} (stdin); anything else is a usage error. */
  private JsonNode jsonObject(String option, String value) {
    String text = value;
    if (value.startsWith("@")) {
      try {
        text = value.equals("@-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(value.substring(1)));
      } catch (IOException e) {
        throw usage(option + ": cannot read " + value.substring(1) + ": " + e.getMessage());
      }
    }
    JsonNode n;
    try {
      n = Json.parse(text);
    } catch (IllegalArgumentException e) {
      throw usage(option + ": not valid JSON: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw usage(option + ": must be a JSON object");
    }
    return n;
  }

  private static ArrayNode array(List<JsonNode> items) {
    ArrayNode a = Json.array();
    items.forEach(a::add);
    return a;
  }

  private static JobFollower.Listener silent() {
    return new JobFollower.Listener() {
      @Override
      public void state(JsonNode job) {
      }

      @Override
      public void event(String type, JsonNode event) {
      }
    };
  }
}
