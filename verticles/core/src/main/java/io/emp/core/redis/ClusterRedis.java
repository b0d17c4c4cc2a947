package io.emp.core.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Redis Cluster client that can also reach every master directly.
 *
 * <p>Keyed commands go through the Vert.x cluster client, which sends each to the master of its key's
 * slot ({@code FCALL name 1 emp:{ns}:} to the namespace's master) and follows MOVED/ASK. That client
 * sends a keyless command ({@code FUNCTION LOAD}, {@code INFO}, {@code FCALL_RO emp_version 0}) to a
 * random node, so {@link RedisMasters} runs those on each master of {@code CLUSTER NODES} over a
 * direct standalone client per master, made from the cluster client's options (same TLS, credentials
 * and scheme). Direct clients are kept for the next call and closed with this client.
 */
final class ClusterRedis implements Redis {
  private static final int DIRECT_POOL_SIZE = 2;

  private final Vertx vertx;
  private final Redis cluster;
  private final RedisOptions options;
  private final Map<String, Redis> direct = new HashMap<>();
  private boolean closed;

  ClusterRedis(Vertx vertx, RedisOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.cluster = Redis.createClient(vertx, options);
  }

  @Override
  public Future<RedisConnection> connect() {
    return cluster.connect();
  }

  @Override
  public Future<Response> send(Request request) {
    return cluster.send(request);
  }

  @Override
  public Future<List<Response>> batch(List<Request> requests) {
    return cluster.batch(requests);
  }

  @Override
  public Future<Void> close() {
    List<Redis> clients;
    synchronized (this) {
      closed = true;
      clients = new ArrayList<>(direct.values());
      direct.clear();
    }
    List<Future<Void>> closing = new ArrayList<>();
    clients.forEach(c -> closing.add(c.close()));
    closing.add(cluster.close());
    return Future.join(closing).mapEmpty();
  }

  /** Every master {@code CLUSTER NODES} lists (also those without slots yet), by {@code host:port}. */
  Future<List<RedisMasters.Master>> masters() {
    return cluster.send(Request.cmd(Command.CLUSTER).arg("NODES"))
      .map(r -> masterAddresses(r.toString()))
      .map(this::directClients);
  }

  private synchronized List<RedisMasters.Master> directClients(Set<String> addresses) {
    if (closed) {
      throw new IllegalStateException("the Redis client is closed");
    }
    direct.keySet().removeIf(address -> {
      boolean gone = !addresses.contains(address);
      if (gone) {
        direct.get(address).close(); // a master that left or failed over
      }
      return gone;
    });
    List<RedisMasters.Master> out = new ArrayList<>();
    for (String address : addresses) {
      out.add(new RedisMasters.Master(address, direct.computeIfAbsent(address,
        a -> Redis.createClient(vertx, directOptions(a)))));
    }
    return out;
  }

  /** The cluster options with one endpoint: the seed's scheme and credentials, the master's address. */
  RedisOptions directOptions(String address) {
    return new RedisOptions(options)
      .setType(RedisClientType.STANDALONE)
      .setEndpoints(new ArrayList<>(List.of(endpoint(options.getEndpoint(), address))))
      .setMaxPoolSize(DIRECT_POOL_SIZE)
      .setMaxPoolWaiting(DIRECT_POOL_SIZE * 64);
  }

  /**
   * {@code redis://[userinfo@]<address>[?query]} from a seed URL: the cluster client names the nodes it
   * discovers the same way (seed scheme and credentials, node address). Cluster mode has database 0 only.
   */
  static String endpoint(String seed, String address) {
    int start = seed.indexOf("://") + 3;
    int end = start;
    while (end < seed.length() && "/?#".indexOf(seed.charAt(end)) < 0) {
      end++;
    }
    String authority = seed.substring(start, end);
    String userInfo = authority.substring(0, authority.lastIndexOf('@') + 1);
    int q = seed.indexOf('?', end);
    String query = q < 0 ? "" : seed.substring(q + 1).replace(RedisClients.TOPOLOGY_PARAM, "")
      .replace("&&", "&").replaceAll("^&|&$", "");
    return seed.substring(0, start) + userInfo + address + (query.isEmpty() ? "" : "?" + query);
  }

  /**
   * The {@code host:port} of each master of a {@code CLUSTER NODES} reply that may hold data: flagged
   * {@code master}, not {@code fail} (its replica took over), not in handshake, with an address.
   */
  static Set<String> masterAddresses(String clusterNodes) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : clusterNodes.split("\r?\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 3) {
        continue;
      }
      Set<String> flags = Set.of(f[2].split(","));
      if (!flags.contains("master") || flags.contains("fail") || flags.contains("handshake")
        || flags.contains("noaddr")) {
        continue;
      }
      String hostPort = f[1].split("[@,]")[0];
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0) {
        continue; // no address known yet
      }
      String host = hostPort.substring(0, colon);
      out.add((host.contains(":") ? "[" + host + "]" : host) + hostPort.substring(colon));
    }
    return out;
  }
}
