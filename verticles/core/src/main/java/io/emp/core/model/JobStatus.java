package io.emp.core.model;

import java.util.Arrays;

/** Job statuses as stored in Redis and shown on the wire (lower case). */
public enum JobStatus {
  QUEUED, DELAYED, ASSIGNED, RUNNING, COMPLETED, FAILED, CANCELLED;

  public String wire() {
    return name().toLowerCase();
  }

  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  public static JobStatus fromWire(String s) {
    return Arrays.stream(values())
      .filter(v -> v.wire().equals(s))
      .findFirst()
      .orElseThrow(() -> new IllegalArgumentException("unknown job status: " + s));
  }

  public static boolean isWire(String s) {
    return Arrays.stream(values()).anyMatch(v -> v.wire().equals(s));
  }
}
