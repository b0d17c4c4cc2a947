package io.emp.worker.connector;

import io.vertx.core.Vertx;

/**
 * Where a connector instance lives: one per worker id. {@code workerIndex} is the {@code n} of
 * {@code {machine}-worker-{n}}, which per-GPU connectors use to pick their GPU and port
 * (e.g. ComfyUI on {@code 8188 + n}, service {@code comfyui-gpu{n}}).
 */
public record ConnectorEnv(Vertx vertx, String machineId, String workerId, int workerIndex) {
}
