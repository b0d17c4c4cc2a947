package io.emp.core.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The clustered event bus (docs/operations.md#clustered-event-bus): a role started with
 * {@code --cluster} or {@code EMP_CLUSTER=true} joins a Hazelcast cluster by TCP/IP — the members are
 * listed, multicast and auto-detection are off, and nothing phones home.
 *
 * @param enabled  {@code EMP_CLUSTER} (false) or the {@code --cluster} flag
 * @param name     {@code EMP_CLUSTER_NAME} ({@code emp-<namespace>}): only members with the same name join
 * @param members  {@code EMP_CLUSTER_MEMBERS}: {@code host[:port]} of some members (comma list; required)
 * @param host     {@code EMP_CLUSTER_HOST}: the address this member binds and announces (Hazelcast and the
 *                 event bus); default: the first member host that is an address of this machine, else 127.0.0.1
 * @param port     {@code EMP_CLUSTER_PORT} (5701): Hazelcast's port; the next free one is taken if in use
 * @param busPort  {@code EMP_CLUSTER_BUS_PORT} (0 = any free port): the event bus's own TCP port
 */
public record ClusterSettings(boolean enabled, String name, List<String> members, String host, int port, int busPort) {
  private static final Pattern MEMBER = Pattern.compile("[A-Za-z0-9_.-]+(:\\d{1,5})?");

  public static ClusterSettings from(EnvConfig env, boolean flag) {
    boolean enabled = flag || env.bool("EMP_CLUSTER", false);
    String name = env.string("EMP_CLUSTER_NAME", "emp-" + env.string("EMP_NAMESPACE", "main"));
    List<String> members = env.list("EMP_CLUSTER_MEMBERS", List.of());
    for (String m : members) {
      if (!MEMBER.matcher(m).matches()) {
        throw new ConfigException("EMP_CLUSTER_MEMBERS: '" + m + "' is not host[:port]");
      }
    }
    if (enabled && members.isEmpty()) {
      throw new ConfigException("EMP_CLUSTER_MEMBERS is required with EMP_CLUSTER=true: list some members as"
        + " host[:port] (TCP/IP join; multicast is off)");
    }
    return new ClusterSettings(enabled, name, members, env.string("EMP_CLUSTER_HOST", "127.0.0.1"),
      env.integer("EMP_CLUSTER_PORT", 5701, 1, 65_535), env.integer("EMP_CLUSTER_BUS_PORT", 0, 0, 65_535));
  }

  /** The Hazelcast configuration: Vert.x's defaults for its maps, with our network and join. */
  public Config hazelcastConfig() {
    Config cfg = ConfigUtil.loadConfig();
    cfg.setClusterName(name);
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false"); // Vert.x leaves the cluster on close
    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(port).setPortAutoIncrement(true).setPortCount(20);
    net.setPublicAddress(host);
    net.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    return cfg;
  }

  public HazelcastClusterManager clusterManager() {
    return new HazelcastClusterManager(hazelcastConfig());
  }

  /** The event bus binds and announces the cluster host. */
  public VertxOptions apply(VertxOptions options) {
    options.getEventBusOptions().setHost(host).setPort(busPort).setClusterPublicHost(host);
    return options;
  }
}
