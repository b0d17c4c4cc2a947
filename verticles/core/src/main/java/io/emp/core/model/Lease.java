package io.emp.core.model;

/**
 * A worker's right to run one job until {@code until} (epoch ms), proven by the fencing
 * {@code token}. Heartbeats extend it; a call with a stale token is refused as FENCED.
 */
public record Lease(String jobId, String workerId, String token, long until) {
}
