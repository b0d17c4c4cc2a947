package io.emp.worker.connector.comfyui;

import io.emp.worker.connector.JobOutcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns what ComfyUI reports about a failed prompt into job failures, and decides which are worth another
 * attempt. The rule: a failure of the GPU or its environment (CUDA/HIP errors, out of memory, connection
 * errors and timeouts) is <b>retryable</b> — another GPU or a later try may succeed; a failure the same graph
 * will meet again — a validation kind of exception ({@code ValueError}, {@code TypeError},
 * {@code KeyError}, {@code AssertionError}, anything named {@code *Validation*}/{@code *Invalid*}) or a
 * missing model or file ({@code FileNotFoundError}, "not found", "no such file", "does not exist") — is
 * <b>permanent</b>. Anything else is retryable (the job's {@code max_attempts} bounds it).
 */
final class ComfyUiFailures {
  private static final int MAX_MESSAGE = 2_000;
  private static final Pattern RESOURCE = Pattern.compile(
    "out ?of ?memory|outofmemory|\\boom\\b|cuda|cudnn|cublas|\\bhip\\b|rocm|nccl|allocation on device|device-side"
      + "|connectionerror|connectionreset|timeout|brokenpipe");
  private static final Pattern MISSING = Pattern.compile(
    "filenotfounderror|not found|no such file|does not exist|could not find|cannot find");
  private static final Set<String> VALIDATION_TYPES = Set.of("ValueError", "TypeError", "KeyError", "AssertionError");

  private ComfyUiFailures() {
  }

  /** The message of a {@code POST /prompt} 400: the error and every node error (node id, class, reason). */
  static String rejection(JsonObject body) {
    StringBuilder sb = new StringBuilder("ComfyUI refused the workflow");
    Object error = body.getValue("error");
    if (error instanceof JsonObject e) {
      sb.append(": ").append(describe(e));
    } else if (error instanceof String s && !s.isBlank()) {
      sb.append(": ").append(s);
    }
    if (body.getValue("node_errors") instanceof JsonObject nodes) {
      for (String id : nodes.fieldNames()) {
        if (nodes.getValue(id) instanceof JsonObject n) {
          sb.append("; node ").append(id).append(" (").append(n.getValue("class_type", "?")).append(")");
          if (n.getValue("errors") instanceof JsonArray errors) {
            errors.stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast)
              .forEach(e -> sb.append(": ").append(describe(e)));
          }
        }
      }
    }
    return truncate(sb.toString());
  }

  /** An {@code execution_error} ({@code node_id}, {@code node_type}, {@code exception_type}, {@code exception_message}). */
  static JobOutcome executionError(JsonObject data) {
    String type = text(data, "exception_type");
    String message = text(data, "exception_message").strip();
    return JobOutcome.failure(truncate("ComfyUI execution error in node " + text(data, "node_id") + " ("
      + text(data, "node_type") + "): " + (type.isEmpty() ? "" : type + ": ") + message), retryable(type, message));
  }

  /** An {@code execution_interrupted} that this connector did not ask for (someone pressed cancel in ComfyUI). */
  static JobOutcome interrupted(JsonObject data) {
    return JobOutcome.failure("ComfyUI interrupted the prompt at node " + text(data, "node_id") + " ("
      + text(data, "node_type") + ")", true);
  }

  static boolean retryable(String exceptionType, String message) {
    String type = exceptionType == null ? "" : exceptionType;
    String all = (type + " " + (message == null ? "" : message)).toLowerCase(Locale.ROOT);
    if (RESOURCE.matcher(all).find()) {
      return true;
    }
    if (MISSING.matcher(all).find()) {
      return false;
    }
    String simple = type.substring(type.lastIndexOf('.') + 1);
    return !(VALIDATION_TYPES.contains(simple) || simple.contains("Validation") || simple.contains("Invalid"));
  }

  /**
   * The failure a finished prompt's history entry records ({@code status.status_str == "error"} with an
   * {@code execution_error} or {@code execution_interrupted} among {@code status.messages}), or null when
   * it did not fail.
   */
  static JobOutcome fromHistory(JsonObject entry) {
    if (!(entry.getValue("status") instanceof JsonObject status) || !"error".equals(status.getValue("status_str"))) {
      return null;
    }
    JobOutcome found = null;
    if (status.getValue("messages") instanceof JsonArray messages) {
      for (Object m : messages) {
        if (m instanceof JsonArray pair && pair.size() > 1 && pair.getValue(1) instanceof JsonObject data) {
          if ("execution_error".equals(pair.getValue(0))) {
            found = executionError(data);
          } else if ("execution_interrupted".equals(pair.getValue(0))) {
            found = interrupted(data);
          }
        }
      }
    }
    return found != null ? found : JobOutcome.failure("ComfyUI recorded the prompt as failed without details", true);
  }

  private static String describe(JsonObject e) {
    String message = text(e, "message");
    String details = text(e, "details");
    return details.isBlank() ? message : message + ": " + details;
  }

  private static String text(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v == null ? "" : String.valueOf(v);
  }

  private static String truncate(String s) {
    return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + "…" : s;
  }
}
