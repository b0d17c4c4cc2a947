package io.emp.supervisor.nodes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Ordering of nodes by {@code depends_on}; ties keep the config order. */
final class DependencyOrder {
  private DependencyOrder() {
  }

  /** @return the nodes with every node after its dependencies; input must be validated (no cycle) */
  static List<NodeSpec> order(List<NodeSpec> nodes) {
    List<NodeSpec> ordered = new ArrayList<>();
    Set<String> placed = new HashSet<>();
    List<NodeSpec> pending = new ArrayList<>(nodes);
    while (!pending.isEmpty()) {
      NodeSpec next = pending.stream()
        .filter(n -> placed.containsAll(n.dependsOn()))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("depends_on has a cycle or an unknown name"));
      pending.remove(next);
      placed.add(next.name());
      ordered.add(next);
    }
    return ordered;
  }

  /** @return a cycle as names, first name repeated at the end ({@code a, b, a}), or empty */
  static List<String> findCycle(List<NodeSpec> nodes) {
    Map<String, NodeSpec> byName = new HashMap<>();
    nodes.forEach(n -> byName.putIfAbsent(n.name(), n));
    Set<String> done = new HashSet<>();
    for (NodeSpec node : nodes) {
      List<String> cycle = visit(node.name(), byName, new LinkedHashSet<>(), done);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    return List.of();
  }

  private static List<String> visit(String name, Map<String, NodeSpec> byName, LinkedHashSet<String> path,
    Set<String> done) {
    if (path.contains(name)) {
      List<String> trail = new ArrayList<>(path);
      List<String> cycle = new ArrayList<>(trail.subList(trail.indexOf(name), trail.size()));
      cycle.add(name);
      return cycle;
    }
    NodeSpec node = byName.get(name);
    if (node == null || done.contains(name)) {
      return List.of();
    }
    path.add(name);
    for (String dep : node.dependsOn()) {
      if (dep.equals(name)) {
        continue; // reported on its own as "names the node itself"
      }
      List<String> cycle = visit(dep, byName, path, done);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    path.remove(name);
    done.add(name);
    return List.of();
  }
}
