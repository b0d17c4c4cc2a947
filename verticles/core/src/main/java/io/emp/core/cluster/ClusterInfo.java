package io.emp.core.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;

/** What {@code /health} says about the clustered event bus: {@code {"clustered", "nodes"}}. */
public final class ClusterInfo {
  private ClusterInfo() {
  }

  public static JsonObject of(Vertx vertx) {
    JsonObject info = new JsonObject().put("clustered", vertx.isClustered());
    if (vertx.isClustered() && vertx instanceof VertxInternal internal) {
      ClusterManager cm = internal.clusterManager();
      if (cm != null) {
        info.put("nodes", cm.getNodes().size()).put("node_id", cm.getNodeId());
      }
    }
    return info;
  }
}
