package io.emp.worker.connector.simulation;

import io.vertx.core.json.JsonObject;

/**
 * A validated simulation payload: {@code {"duration_ms": n, "steps": k, "fail": bool,
 * "fail_rate": 0..1, "result_bytes": n}}, every field optional (defaults from
 * {@link SimulationSettings}). Other fields are ignored, so payloads of other services can be
 * simulated as they are.
 */
record SimulationPayload(long durationMs, int steps, boolean fail, double failRate, int resultBytes) {
  static final int MAX_RESULT_BYTES = 1_048_576;

  /** The parsed payload, or the reason it is invalid. */
  record Parsed(SimulationPayload payload, String problem) {
  }

  static Parsed parse(JsonObject p, SimulationSettings defaults) {
    String problem = firstProblem(p);
    if (problem != null) {
      return new Parsed(null, "invalid simulation payload: " + problem);
    }
    return new Parsed(new SimulationPayload(
      p.getNumber("duration_ms", defaults.durationMs()).longValue(),
      p.getNumber("steps", defaults.steps()).intValue(),
      p.getBoolean("fail", false),
      p.getNumber("fail_rate", defaults.failRate()).doubleValue(),
      p.getNumber("result_bytes", 0).intValue()), null);
  }

  private static String firstProblem(JsonObject p) {
    Object fail = p.getValue("fail");
    if (fail != null && !(fail instanceof Boolean)) {
      return "fail must be true or false, got " + describe(fail);
    }
    String problem = check(p, "duration_ms", SimulationSettings.MAX_DURATION_MS, true);
    if (problem == null) {
      problem = check(p, "steps", SimulationSettings.MAX_STEPS, true);
    }
    if (problem == null) {
      problem = check(p, "fail_rate", 1, false);
    }
    if (problem == null) {
      problem = check(p, "result_bytes", MAX_RESULT_BYTES, true);
    }
    return problem;
  }

  /** Null when the field is absent or a finite number in [0, max] (integral if asked), else why not. */
  private static String check(JsonObject p, String field, double max, boolean integral) {
    if (!p.containsKey(field)) {
      return null;
    }
    Object v = p.getValue(field);
    if (!(v instanceof Number n)) {
      return field + " must be a number, got " + describe(v);
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d) || d < 0 || d > max || (integral && d != Math.rint(d))) {
      return field + " must be " + (integral ? "an integer" : "a number") + " between 0 and " + fmt(max)
        + ", got " + describe(v);
    }
    return null;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static String describe(Object v) {
    return v == null ? "null" : v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }
}
