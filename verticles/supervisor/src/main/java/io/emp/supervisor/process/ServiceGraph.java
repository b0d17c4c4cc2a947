package io.emp.supervisor.process;

import io.emp.core.config.ConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The {@code depends_on} graph: checks references and cycles, and orders services dependencies-first. */
final class ServiceGraph {
  private ServiceGraph() {
  }

  /** The services in start order (dependencies first, otherwise as declared), unmodifiable. */
  static Map<String, ServiceSpec> ordered(Map<String, ServiceSpec> services) {
    for (ServiceSpec s : services.values()) {
      for (int i = 0; i < s.dependsOn().size(); i++) {
        String d = s.dependsOn().get(i);
        if (!services.containsKey(d)) {
          throw new ConfigException("services." + s.name() + ".depends_on[" + i + "]: unknown service '" + d
            + "' (known: " + String.join(", ", new TreeSet<>(services.keySet())) + ")");
        }
      }
    }
    Map<String, ServiceSpec> out = new LinkedHashMap<>();
    Set<String> done = new HashSet<>();
    for (String name : services.keySet()) {
      visit(name, services, new ArrayList<>(), done, out);
    }
    return Collections.unmodifiableMap(out);
  }

  private static void visit(String name, Map<String, ServiceSpec> services, List<String> path, Set<String> done,
      Map<String, ServiceSpec> out) {
    if (done.contains(name)) {
      return;
    }
    int at = path.indexOf(name);
    if (at >= 0) {
      List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
      cycle.add(name);
      throw new ConfigException("services." + cycle.get(0) + ".depends_on: dependency cycle "
        + String.join(" -> ", cycle));
    }
    path.add(name);
    for (String d : services.get(name).dependsOn()) {
      visit(d, services, path, done, out);
    }
    path.remove(path.size() - 1);
    done.add(name);
    out.put(name, services.get(name));
  }
}
