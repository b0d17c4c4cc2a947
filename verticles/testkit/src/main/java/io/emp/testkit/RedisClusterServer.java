package io.emp.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster for tests: {@code masters} {@code redis-server} processes in cluster mode on
 * free loopback ports (data and cluster-bus ports both picked free, so nothing collides with the
 * machine's own Redis), no replicas, the 16384 slots split evenly in node order. Built with
 * {@code CLUSTER ADDSLOTSRANGE}, {@code SET-CONFIG-EPOCH} and {@code MEET} from Java (what
 * {@code redis-cli --cluster create} does, without needing redis-cli or the internet); {@link #start}
 * returns once every node reports {@code cluster_state:ok}. {@link #close()} kills every node.
 */
public final class RedisClusterServer implements AutoCloseable {
  public static final int SLOTS = 16_384;
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisServer> nodes;

  private RedisClusterServer(List<RedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts {@code masters} nodes (Redis ≥ 7.0) and forms the cluster. */
  public static RedisClusterServer start(int masters, String... extraArgs) {
    if (masters < 1 || masters > 16) {
      throw new IllegalArgumentException("masters must be 1..16");
    }
    List<RedisServer> started = new ArrayList<>();
    try {
      for (int i = 0; i < masters; i++) {
        started.add(startNode(extraArgs));
      }
      RedisClusterServer cluster = new RedisClusterServer(started);
      cluster.form();
      return cluster;
    } catch (RuntimeException e) {
      started.forEach(RedisServer::close);
      throw e;
    }
  }

  private static RedisServer startNode(String... extraArgs) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      List<String> args = new ArrayList<>(List.of(
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", "5000",
        "--cluster-port", Integer.toString(freeBusPort())));
      args.addAll(List.of(extraArgs));
      try {
        return RedisServer.start(args.toArray(String[]::new));
      } catch (RuntimeException e) {
        last = e; // most likely the bus port was taken meanwhile
      }
    }
    throw last;
  }

  private static int freeBusPort() {
    try {
      return RedisServer.freePort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private void form() {
    for (int i = 0; i < nodes.size(); i++) {
      call(i, "CLUSTER", "ADDSLOTSRANGE", Integer.toString(firstSlot(i)), Integer.toString(firstSlot(i + 1) - 1));
      call(i, "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
    }
    for (int i = 1; i < nodes.size(); i++) {
      RedisServer n = nodes.get(i);
      call(0, "CLUSTER", "MEET", n.host(), Integer.toString(n.port()), busPort(i));
    }
    long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
    while (!formed()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Redis Cluster did not reach cluster_state:ok within " + FORM_TIMEOUT
          + ": " + clusterInfo(0));
      }
      sleep(50);
    }
  }

  /** The node's cluster-bus port (its {@code --cluster-port}). */
  private String busPort(int node) {
    return ((List<?>) call(node, "CONFIG", "GET", "cluster-port")).get(1).toString();
  }

  private boolean formed() {
    for (int i = 0; i < nodes.size(); i++) {
      String info = clusterInfo(i);
      if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + nodes.size() + "\r")) {
        return false;
      }
    }
    return true;
  }

  private String clusterInfo(int node) {
    return Resp.string(nodes.get(node).host(), nodes.get(node).port(), "CLUSTER", "INFO");
  }

  /** The first slot of node {@code i} (slots are split evenly, in node order). */
  private int firstSlot(int i) {
    return i * SLOTS / nodes.size();
  }

  /** The nodes, all masters, in slot order. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** Every node's URL as a comma list: {@code redis://127.0.0.1:p1,redis://127.0.0.1:p2,...} (EMP_REDIS_URL). */
  public String url() {
    return nodes.stream().map(RedisServer::url).collect(Collectors.joining(","));
  }

  /** The index of the node that owns {@code slot}. */
  public int nodeOfSlot(int slot) {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (slot >= firstSlot(i)) {
        return i;
      }
    }
    throw new IllegalArgumentException("slot " + slot);
  }

  /** The index of the node that owns {@code key}'s slot. */
  public int nodeOfKey(String key) {
    return nodeOfSlot(slot(key));
  }

  /** Sends one command to node {@code i} (see {@link Resp}). */
  public Object call(int i, String... args) {
    return Resp.call(nodes.get(i).host(), nodes.get(i).port(), args);
  }

  /**
   * The cluster slot of {@code key}: CRC16 (XMODEM) of the key, or of its hash tag (the first
   * non-empty {@code {...}}), modulo 16384 — what {@code CLUSTER KEYSLOT} answers.
   */
  public static int slot(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int start = 0;
    int end = k.length;
    int open = indexOf(k, '{', 0);
    if (open >= 0) {
      int close = indexOf(k, '}', open + 1);
      if (close > open + 1) {
        start = open + 1;
        end = close;
      }
    }
    int crc = 0;
    for (int i = start; i < end; i++) {
      crc ^= (k[i] & 0xff) << 8;
      for (int b = 0; b < 8; b++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      crc &= 0xffff;
    }
    return crc % SLOTS;
  }

  private static int indexOf(byte[] bytes, char c, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
  }
}
