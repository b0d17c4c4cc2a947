package io.emp.supervisor.process;

import io.emp.core.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Expands a {@link MachineSpec} into resolved {@link InstanceSpec}s for a GPU count. */
final class InstancePlanner {
  private InstancePlanner() {
  }

  static List<InstanceSpec> plan(MachineSpec spec, int gpus, Path runDir, long defaultGraceMs) {
    List<InstanceSpec> out = new ArrayList<>();
    Map<Integer, String> ports = new HashMap<>();
    for (ServiceSpec s : spec.services().values()) {
      for (int n = 0; n < s.instances().countFor(gpus); n++) {
        InstanceSpec i = instance(spec, s, n, gpus, runDir, defaultGraceMs);
        if (i.port() != null && ports.putIfAbsent(i.port(), i.name()) != null) {
          throw new ConfigException("services." + s.name() + ".port_base: port " + i.port() + " of " + i.name()
            + " is also the port of " + ports.get(i.port()));
        }
        out.add(i);
      }
    }
    return out;
  }

  private static InstanceSpec instance(MachineSpec spec, ServiceSpec s, int n, int gpus, Path runDir, long grace) {
    String name = s.instances().instanceName(s.name(), n);
    Integer gpu = s.instances().perGpu() ? n : null;
    Integer port = s.portBase() == null ? null : s.portBase() + n;
    Path dir = runDir.resolve(name).toAbsolutePath();
    Map<String, String> builtins = new LinkedHashMap<>();
    builtins.put("INSTANCE", name);
    builtins.put("INSTANCE_DIR", dir.toString());
    builtins.put("MACHINE_ID", spec.machineId());
    if (gpu != null) {
      builtins.put("GPU_INDEX", String.valueOf(gpu));
      builtins.put("CUDA_VISIBLE_DEVICES", String.valueOf(gpu));
    }
    if (port != null) {
      builtins.put("PORT", String.valueOf(port));
    }
    Templates.Lookup lookup = lookup(spec, s, n, builtins);
    String where = "services." + s.name();
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < s.command().size(); i++) {
      argv.add(resolve(s.command().get(i), lookup, where + ".command[" + i + "]"));
    }
    Map<String, String> env = new LinkedHashMap<>(builtins);
    s.env().forEach((k, v) -> env.put(k, resolve(v, lookup, where + ".env." + k)));
    Path workingDir = null;
    if (s.workingDir() != null) {
      Path p = Path.of(resolve(s.workingDir(), lookup, where + ".working_dir"));
      workingDir = p.isAbsolute() || spec.baseDir() == null ? p.toAbsolutePath() : spec.baseDir().resolve(p);
    }
    return new InstanceSpec(name, s.name(), gpu, n, port, dir, argv, workingDir, env, s.readiness(), s.restart(),
      s.stopGraceMs() == null ? grace : s.stopGraceMs(), dependencies(spec, s, n, gpus));
  }

  private static String resolve(String template, Templates.Lookup lookup, String where) {
    try {
      return Templates.resolve(template, lookup);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(where + ": " + e.getMessage());
    }
  }

  /** Built-ins shadow the environment: GPU_INDEX or PORT do not leak in from the supervisor's env. */
  private static Templates.Lookup lookup(MachineSpec spec, ServiceSpec s, int n, Map<String, String> builtins) {
    return new Templates.Lookup() {
      @Override
      public String variable(String name) {
        if (builtins.containsKey(name)) {
          return builtins.get(name);
        }
        if (name.equals("GPU_INDEX") || name.equals("PORT")) {
          return null;
        }
        return spec.env().raw(name);
      }

      @Override
      public String port(String service) {
        return String.valueOf(portOf(spec, s, n, service));
      }
    };
  }

  private static int portOf(MachineSpec spec, ServiceSpec self, int n, String target) {
    ServiceSpec t = spec.services().get(target);
    if (t == null) {
      throw new IllegalArgumentException("${PORT:" + target + "}: unknown service '" + target + "'");
    }
    if (t.portBase() == null) {
      throw new IllegalArgumentException("${PORT:" + target + "}: service " + target + " has no port_base");
    }
    if (t.instances().single()) {
      return t.portBase();
    }
    boolean pairs = t.instances().perGpu() && self.instances().perGpu()
      || !t.instances().perGpu() && !self.instances().perGpu() && !self.instances().single() && n < t.instances().count();
    if (!pairs) {
      throw new IllegalArgumentException("${PORT:" + target + "}: " + target + " has several instances and none pairs"
        + " with this one (per_gpu pairs with per_gpu, instance n of a count with instance n of a count)");
    }
    return t.portBase() + n;
  }

  private static List<String> dependencies(MachineSpec spec, ServiceSpec s, int n, int gpus) {
    List<String> out = new ArrayList<>();
    for (String d : s.dependsOn()) {
      ServiceSpec dep = spec.services().get(d);
      if (dep.instances().perGpu() && s.instances().perGpu()) {
        out.add(dep.instances().instanceName(d, n));
      } else {
        for (int k = 0; k < dep.instances().countFor(gpus); k++) {
          out.add(dep.instances().instanceName(d, k));
        }
      }
    }
    return out;
  }
}
