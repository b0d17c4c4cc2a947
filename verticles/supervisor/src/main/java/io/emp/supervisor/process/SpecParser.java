package io.emp.supervisor.process;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Text → {@link MachineSpec}: decodes JSON or YAML (plain maps, lists and scalars only), checks every
 * field, orders the services so dependencies come first, and dry-runs the templates so an unknown
 * {@code ${VAR}} is reported at load time rather than at the first spawn.
 */
final class SpecParser {
  static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.]*(-[A-Za-z0-9_.]+)*");

  private SpecParser() {
  }

  static Object decode(String text, String fileName) {
    String lower = fileName.toLowerCase();
    try {
      if (lower.endsWith(".json")) {
        return plain(Json.decodeValue(text));
      }
      if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options)).load(text);
      }
    } catch (DecodeException | YAMLException e) {
      throw new ConfigException(fileName + ": not valid " + (lower.endsWith(".json") ? "JSON" : "YAML") + ": " + e.getMessage());
    }
    throw new ConfigException(fileName + ": the machine spec must be a .json, .yaml or .yml file");
  }

  private static Object plain(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> m = new LinkedHashMap<>();
      o.forEach(e -> m.put(e.getKey(), plain(e.getValue())));
      return m;
    }
    if (v instanceof JsonArray a) {
      List<Object> l = new ArrayList<>();
      a.forEach(x -> l.add(plain(x)));
      return l;
    }
    return v;
  }

  static MachineSpec parse(Object document, Path baseDir, EnvConfig env) {
    if (!(document instanceof Map<?, ?> map)) {
      throw new ConfigException("spec: the document must be a mapping with a services section");
    }
    SpecNode root = new SpecNode("", map);
    root.allowOnly("machine", "gpus", "simulated_gpu", "services");
    SpecNode machine = root.node("machine");
    if (machine != null) {
      machine.allowOnly("id", "pool");
    }
    String id = machine == null ? null : resolveEnv(machine, "id", env);
    String pool = machine == null ? null : resolveEnv(machine, "pool", env);
    Map<String, ServiceSpec> services = services(root, env);
    MachineSpec spec = new MachineSpec(machineId(id, env), pool, gpus(root), simulatedGpu(root),
      ServiceGraph.ordered(services), baseDir, env);
    InstancePlanner.plan(spec, 1, Path.of("/run"), 0); // dry run: unknown variables, bad ${PORT:x}, port clashes
    return spec;
  }

  private static String machineId(String fromSpec, EnvConfig env) {
    if (fromSpec != null) {
      return fromSpec;
    }
    return env.string("EMP_MACHINE_ID", env.string("HOSTNAME", "machine"));
  }

  private static String resolveEnv(SpecNode n, String key, EnvConfig env) {
    String v = n.string(key, null);
    if (v == null) {
      return null;
    }
    try {
      String resolved = Templates.resolve(v, new Templates.Lookup() {
        @Override
        public String variable(String name) {
          return env.raw(name);
        }

        @Override
        public String port(String service) {
          throw new IllegalArgumentException("${PORT:" + service + "} is only available inside services");
        }
      });
      return resolved.isBlank() ? null : resolved;
    } catch (IllegalArgumentException e) {
      throw n.error(key, e.getMessage());
    }
  }

  private static MachineSpec.SimulatedGpu simulatedGpu(SpecNode root) {
    SpecNode n = root.node("simulated_gpu");
    if (n == null) {
      return null;
    }
    n.allowOnly("name", "memory_mb");
    String name = n.string("name", "Simulated GPU");
    return new MachineSpec.SimulatedGpu(name, n.integer("memory_mb", 24_576, 0, 1L << 24));
  }

  private static Integer gpus(SpecNode root) {
    Object v = root.get("gpus");
    if (v == null || "auto".equals(v)) {
      return null;
    }
    return (int) SpecNode.integer("gpus", v, 0, ProcessConfig.MAX_GPUS);
  }

  private static Map<String, ServiceSpec> services(SpecNode root, EnvConfig env) {
    SpecNode services = root.node("services");
    if (services == null) {
      throw root.error("services", "is required (a mapping of service name to its command and settings)");
    }
    Map<String, ServiceSpec> out = new LinkedHashMap<>();
    for (String name : services.keys()) {
      if (!SERVICE_NAME.matcher(name).matches() || name.length() > 64) {
        throw services.error(name, "invalid service name (letters, digits, '_', '.', inner '-'; at most 64)");
      }
      SpecNode node = services.node(name);
      if (node == null) {
        throw services.error(name, "needs at least a command");
      }
      out.put(name, ServiceParser.parse(name, node));
    }
    checkInstanceNames(services, out);
    return out;
  }

  /** A single-instance service may not be named like another service's instance ({@code x-gpu1}, {@code x-2}). */
  private static void checkInstanceNames(SpecNode node, Map<String, ServiceSpec> services) {
    for (ServiceSpec single : services.values()) {
      if (!single.instances().single()) {
        continue;
      }
      for (ServiceSpec other : services.values()) {
        String suffix = other.instances().perGpu() ? "-gpu[0-9]+" : "-[0-9]+";
        if (other != single && !other.instances().single()
          && single.name().matches(Pattern.quote(other.name()) + suffix)) {
          throw node.error(single.name(), "clashes with the instance names of service " + other.name());
        }
      }
    }
  }
}
