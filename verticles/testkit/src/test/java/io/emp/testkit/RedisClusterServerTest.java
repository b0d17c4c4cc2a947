package io.emp.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RedisClusterServerTest {

  @Test
  @DisplayName("three masters form a cluster on free loopback ports, split the slots, and die on close")
  void formsAndTearsDown() {
    List<RedisServer> nodes;
    try (RedisClusterServer cluster = RedisClusterServer.start(3)) {
      nodes = cluster.nodes();
      assertThat(nodes).hasSize(3);
      assertThat(nodes).extracting(RedisServer::port).doesNotContain(6379).doesNotHaveDuplicates();
      assertThat(cluster.url()).isEqualTo(nodes.get(0).url() + "," + nodes.get(1).url() + "," + nodes.get(2).url());
      for (int i = 0; i < 3; i++) {
        String info = Resp.string("127.0.0.1", nodes.get(i).port(), "CLUSTER", "INFO");
        assertThat(info).contains("cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:3");
      }
      // every node agrees on who owns what: 3 ranges, the one computed here
      List<?> slots = (List<?>) cluster.call(1, "CLUSTER", "SLOTS");
      assertThat(slots).hasSize(3);
      for (Object range : slots) {
        List<?> r = (List<?>) range;
        int first = ((Long) r.get(0)).intValue();
        int last = ((Long) r.get(1)).intValue();
        long port = (Long) ((List<?>) r.get(2)).get(1);
        assertThat(nodes.get(cluster.nodeOfSlot(first)).port()).isEqualTo(port);
        assertThat(nodes.get(cluster.nodeOfSlot(last)).port()).isEqualTo(port);
      }
    }
    assertThat(nodes).noneMatch(RedisServer::isRunning);
  }

  @Test
  @DisplayName("the client-side slot of a key is the server's CLUSTER KEYSLOT, hash tags included")
  void slotMatchesServer() {
    try (RedisClusterServer cluster = RedisClusterServer.start(3)) {
      Set<Integer> owners = new HashSet<>();
      for (String key : List.of("emp:{main}:events", "emp:{fast}:x", "emp:{heavy}:job:1", "plain", "a{}b", "{}{x}",
        "x{", "ü{ñ}", "")) {
        long server = (Long) cluster.call(0, "CLUSTER", "KEYSLOT", key);
        assertThat(RedisClusterServer.slot(key)).as(key).isEqualTo((int) server);
        owners.add(cluster.nodeOfKey(key));
      }
      assertThat(RedisClusterServer.slot("emp:{main}:a")).isEqualTo(RedisClusterServer.slot("emp:{main}:b"));
      assertThat(owners).hasSizeGreaterThan(1);
    }
  }
}
