package io.emp.bench.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A fleet-simulator scenario, parsed from YAML (every field: docs/simulator.md). All times are
 * <em>simulated</em> milliseconds; {@link #timeScale} simulated seconds pass per real second.
 */
public record Scenario(
  String name,
  String description,
  long durationMs,
  double timeScale,
  long seed,
  long drainMs,
  long tickMs,
  long chartBucketMs,
  Broker broker,
  Client client,
  ModelRouting modelRouting,
  PoolRules pools,
  List<Model> models,
  List<MachineGroup> machines,
  List<JobClass> jobs,
  Schedule load,
  List<Burst> bursts,
  List<ChurnEvent> events,
  Routing routing) {

  /** Where a job's model goes: only in the payload (any machine of the pool may take it and downloads it), or also in {@code requirements.models}. */
  public enum ModelRouting { PAYLOAD, REQUIREMENT }

  /** Broker timings (simulated; turned into real ones by {@link FleetClock}, with floors). */
  public record Broker(long leaseMs, long heartbeatMs, long claimPollMs, long reapIntervalMs, long graceMs,
                       long retryAvoidMs, long backoffBaseMs, int maxAttempts) {
  }

  /** The load generator: concurrent HTTP submissions, concurrent SSE streams that follow jobs. */
  public record Client(int httpConnections, int followStreams) {
  }

  /** How a job class's optimal pool is derived from its median duration when it does not name one. */
  public record PoolRules(long fastBelowMs, long heavyAboveMs) {
    public String classify(double medianMs) {
      return medianMs < fastBelowMs ? "fast" : medianMs > heavyAboveMs ? "heavy" : "standard";
    }
  }

  public record Model(String name, long sizeBytes, double weight) {
  }

  public record MachineGroup(String name, String pool, boolean advertisePool, String service, int gpus, int slots,
                             String gpuModel, int gpuMemoryGb, double speed, long diskBytes, double downloadBytesPerSec,
                             List<String> preinstalled, Schedule count, Distribution lifetime, Distribution boot,
                             double preemptShare) {
  }

  public record JobClass(String name, String service, String pool, String optimalPool, double ratePerSec,
                         boolean poisson, Distribution duration, String model, int priority, double failRate,
                         int maxAttempts, Map<String, Object> requirements) {
    /** {@code model: popular} draws a model from the catalogue by popularity. */
    public boolean drawsModel() {
      return "popular".equals(model);
    }

    public boolean needsModel() {
      return model != null && !"none".equals(model);
    }
  }

  public record Burst(long atMs, long forMs, double factor, List<String> classes) {
    boolean applies(String jobClass, long t) {
      return t >= atMs && t < atMs + forMs && (classes.isEmpty() || classes.contains(jobClass));
    }
  }

  public record ChurnEvent(long atMs, String action, String group, int count, boolean busy) {
  }

  /**
   * The broker's routing features for the run (docs/simulator.md, {@code routing}): the pool policy
   * ({@code poolPolicy}, the {@code emp_set_pools} document with its {@code below_ms}/{@code after_ms}
   * in <em>simulated</em> milliseconds, or null = none), the affinity cap (simulated), the router's
   * placement planner (null = off) and whether jobs carry their class name as {@code job_class}.
   */
  public record Routing(Map<String, Object> poolPolicy, long affinityCapMs, Placement placement, boolean sendJobClass) {
    static final Routing NONE = new Routing(null, 300_000, null, false);
  }

  /** The router's placement planner settings; times simulated, rates per simulated hour. */
  public record Placement(long intervalMs, double jobsPerCopy, double minDemand, int maxCommands, long cooldownMs,
                          double evictAbove, int hours) {
  }

  /** The load factor of {@code jobClass} at {@code t}: the load schedule times every burst in force. */
  public double factor(String jobClass, long t) {
    double f = load.at(t);
    for (Burst b : bursts) {
      if (b.applies(jobClass, t)) {
        f *= b.factor();
      }
    }
    return f;
  }

  /** The highest factor a class can ever see (for thinning). */
  public double maxFactor(String jobClass) {
    double f = load.max();
    for (Burst b : bursts) {
      if (b.classes().isEmpty() || b.classes().contains(jobClass)) {
        f *= Math.max(1, b.factor());
      }
    }
    return f;
  }

  public MachineGroup group(String name) {
    return machines.stream().filter(g -> g.name().equals(name)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("no machine group " + name));
  }

  public Model model(String name) {
    return models.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
  }

  public static Scenario load(Path file) throws IOException {
    return parse(Files.readString(file), file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
  }

  private static final Set<String> TOP = Set.of("name", "description", "duration", "time_scale", "seed", "drain",
    "tick", "chart_bucket", "broker", "client", "model_routing", "pools", "models", "machines", "jobs", "load",
    "bursts", "churn_events", "routing");

  /** Parses YAML text; {@code fallbackName} names a scenario without {@code name}. */
  public static Scenario parse(String yaml, String fallbackName) {
    Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    Spec s = new Spec("", root).only(TOP);
    long duration = s.durationMs("duration", 0);
    if (duration <= 0) {
      throw new Spec.ScenarioException("duration", "is required and must be positive");
    }
    List<Model> models = models(s, s.integer("seed", 1, 0, Integer.MAX_VALUE));
    List<MachineGroup> machines = new ArrayList<>();
    Set<String> groupNames = new HashSet<>();
    for (Spec g : s.specs("machines")) {
      MachineGroup group = group(g, models);
      if (!groupNames.add(group.name())) {
        throw new Spec.ScenarioException(g.at("group"), "duplicate group name " + group.name());
      }
      machines.add(group);
    }
    if (machines.isEmpty()) {
      throw new Spec.ScenarioException("machines", "needs at least one machine group");
    }
    PoolRules pools = pools(s);
    List<JobClass> jobs = new ArrayList<>();
    Set<String> classNames = new HashSet<>();
    for (Spec j : s.specs("jobs")) {
      JobClass c = jobClass(j, models, pools);
      if (!classNames.add(c.name())) {
        throw new Spec.ScenarioException(j.at("class"), "duplicate class name " + c.name());
      }
      jobs.add(c);
    }
    if (jobs.isEmpty()) {
      throw new Spec.ScenarioException("jobs", "needs at least one job class");
    }
    double timeScale = s.number("time_scale", 1, 0.01, 10_000);
    return new Scenario(
      s.string("name", fallbackName),
      s.string("description", ""),
      duration,
      timeScale,
      s.integer("seed", 1, 0, Integer.MAX_VALUE),
      s.durationMs("drain", duration),
      s.durationMs("tick", 60_000),
      s.durationMs("chart_bucket", Math.max(60_000, duration / 60)),
      broker(s),
      client(s),
      s.parse("model_routing", ModelRouting.PAYLOAD, v -> switch (String.valueOf(v)) {
        case "payload" -> ModelRouting.PAYLOAD;
        case "requirement" -> ModelRouting.REQUIREMENT;
        default -> throw new IllegalArgumentException("must be payload or requirement");
      }),
      pools,
      models,
      machines,
      jobs,
      s.has("load") ? Schedule.parse(s, "load", "factor", 0, 1_000) : Schedule.constant(1),
      bursts(s, classNames),
      churnEvents(s, groupNames),
      routing(s));
  }

  private static Routing routing(Spec top) {
    if (!top.has("routing")) {
      return Routing.NONE;
    }
    Spec r = top.child("routing").only(Set.of("pool_policy", "affinity_cap", "placement", "job_class"));
    Map<String, Object> policy = null;
    if (r.has("pool_policy")) {
      Spec p = r.child("pool_policy").only(Set.of("pools", "classify", "min_samples", "default_pool", "fallback"));
      policy = new java.util.LinkedHashMap<>();
      if (p.has("pools")) {
        policy.put("pools", p.strings("pools"));
      }
      List<Object> classify = new ArrayList<>();
      for (Spec c : p.specs("classify")) {
        c.only(Set.of("pool", "below"));
        Map<String, Object> e = new java.util.LinkedHashMap<>();
        e.put("pool", c.requiredString("pool"));
        if (c.has("below")) {
          e.put("below_ms", c.durationMs("below", 0));
        }
        classify.add(e);
      }
      if (!classify.isEmpty()) {
        policy.put("classify", classify);
      }
      if (p.has("min_samples")) {
        policy.put("min_samples", p.integer("min_samples", 5, 0, 1_000_000));
      }
      if (p.has("default_pool")) {
        policy.put("default_pool", p.string("default_pool", ""));
      }
      if (p.has("fallback")) {
        Spec f = p.child("fallback");
        Map<String, Object> fallback = new java.util.LinkedHashMap<>();
        for (String pool : f.plain().keySet()) {
          List<Object> rules = new ArrayList<>();
          for (Spec rule : f.specs(pool)) {
            rule.only(Set.of("to", "after", "when_no_live"));
            Map<String, Object> e = new java.util.LinkedHashMap<>();
            e.put("to", rule.requiredString("to"));
            e.put("after_ms", rule.durationMs("after", 0));
            if (rule.has("when_no_live")) {
              e.put("when_no_live", rule.bool("when_no_live", false));
            }
            rules.add(e);
          }
          fallback.put(pool, rules);
        }
        policy.put("fallback", fallback);
      }
    }
    Placement placement = null;
    if (r.has("placement")) {
      Spec p = r.child("placement").only(Set.of("interval", "jobs_per_copy", "min_demand", "max_commands", "cooldown",
        "evict_above", "hours"));
      placement = new Placement(p.durationMs("interval", 60_000), p.number("jobs_per_copy", 60, 0.001, 1e9),
        p.number("min_demand", 1, 0, 1e9), p.integer("max_commands", 4, 0, 1_000), p.durationMs("cooldown", 600_000),
        p.number("evict_above", 0.7, 0, 1), p.integer("hours", 24, 1, 192));
    }
    return new Routing(policy, r.durationMs("affinity_cap", 300_000), placement, r.bool("job_class", false));
  }

  private static Broker broker(Spec top) {
    Spec b = top.has("broker") ? top.child("broker") : new Spec("broker", Map.of());
    b.only(Set.of("lease", "heartbeat", "claim_poll", "reap_interval", "grace", "retry_avoid", "backoff_base",
      "max_attempts"));
    return new Broker(b.durationMs("lease", 15_000), b.durationMs("heartbeat", 2_000), b.durationMs("claim_poll", 5_000),
      b.durationMs("reap_interval", 1_000), b.durationMs("grace", 30_000), b.durationMs("retry_avoid", 30_000),
      b.durationMs("backoff_base", 1_000), b.integer("max_attempts", 3, 1, 20));
  }

  private static Client client(Spec top) {
    Spec c = top.has("client") ? top.child("client") : new Spec("client", Map.of());
    c.only(Set.of("http_connections", "follow_streams"));
    return new Client(c.integer("http_connections", 32, 1, 1_024), c.integer("follow_streams", 256, 1, 4_096));
  }

  private static PoolRules pools(Spec top) {
    Spec p = top.has("pools") ? top.child("pools") : new Spec("pools", Map.of());
    p.only(Set.of("fast_below", "heavy_above"));
    return new PoolRules(p.durationMs("fast_below", 30_000), p.durationMs("heavy_above", 180_000));
  }

  /** {@code models: {list: [...]}} or {@code models: {count, prefix, min_size, max_size, zipf}}. */
  private static List<Model> models(Spec top, long seed) {
    if (!top.has("models")) {
      return List.of();
    }
    Spec m = top.child("models").only(Set.of("list", "count", "prefix", "min_size", "max_size", "zipf"));
    List<Model> out = new ArrayList<>();
    if (m.has("list")) {
      for (Spec e : m.specs("list")) {
        e.only(Set.of("name", "size", "weight"));
        long size = e.bytes("size", 0);
        if (size <= 0) {
          throw new Spec.ScenarioException(e.at("size"), "is required and must be positive");
        }
        out.add(new Model(e.requiredString("name"), size, e.number("weight", 1, 0, 1e9)));
      }
      return out;
    }
    int count = m.integer("count", 0, 1, 10_000);
    long min = m.bytes("min_size", 2_000_000_000L);
    long max = m.bytes("max_size", min);
    double s = m.number("zipf", 1.0, 0, 10);
    String prefix = m.string("prefix", "model-");
    Random r = new Random(seed * 31 + 7);
    for (int i = 1; i <= count; i++) {
      long size = min + Math.round(r.nextDouble() * (max - min));
      out.add(new Model(String.format(Locale.ROOT, "%s%02d", prefix, i), size, 1 / Math.pow(i, s)));
    }
    return out;
  }

  private static final Set<String> GROUP = Set.of("group", "pool", "advertise_pool", "service", "gpus", "slots",
    "gpu_model", "gpu_memory_gb", "speed", "disk", "download_speed", "preinstalled", "schedule", "count", "lifetime",
    "boot", "preempt_share");

  private static MachineGroup group(Spec g, List<Model> models) {
    g.only(GROUP);
    String name = g.requiredString("group");
    if (!name.matches("[a-z0-9-]{1,24}")) {
      throw new Spec.ScenarioException(g.at("group"), "must be 1-24 of [a-z0-9-]");
    }
    Schedule count;
    if (g.has("schedule")) {
      count = Schedule.parse(g, "schedule", "machines", 0, 500);
    } else if (g.has("count")) {
      count = Schedule.constant(g.integer("count", 0, 0, 500));
    } else {
      throw new Spec.ScenarioException(g.at("count"), "a group needs count or schedule");
    }
    List<String> pre = new ArrayList<>();
    Object raw = g.raw("preinstalled");
    if (raw instanceof Number n) {
      models.stream().sorted((a, b) -> Double.compare(b.weight(), a.weight())).limit(n.intValue())
        .forEach(m -> pre.add(m.name()));
    } else {
      for (String mname : g.strings("preinstalled")) {
        if (models.stream().noneMatch(m -> m.name().equals(mname))) {
          throw new Spec.ScenarioException(g.at("preinstalled"), "unknown model " + mname);
        }
        pre.add(mname);
      }
    }
    return new MachineGroup(name, g.string("pool", null), g.bool("advertise_pool", true), g.string("service", "sim"),
      g.integer("gpus", 1, 1, 16), g.integer("slots", 1, 1, 64), g.string("gpu_model", "RTX 4090"),
      g.integer("gpu_memory_gb", 24, 1, 1_024), g.number("speed", 1, 0.01, 100), g.bytes("disk", 100_000_000_000L),
      g.bytesPerSecond("download_speed", 200e6), List.copyOf(pre), count,
      g.has("lifetime") ? Distribution.parse(g, "lifetime") : null,
      g.has("boot") ? Distribution.parse(g, "boot") : new Distribution.Constant(0),
      g.number("preempt_share", 0, 0, 1));
  }

  private static final Set<String> CLASS = Set.of("class", "service", "pool", "optimal_pool", "rate", "arrival",
    "duration", "model", "priority", "fail_rate", "max_attempts", "requirements");

  private static JobClass jobClass(Spec j, List<Model> models, PoolRules pools) {
    j.only(CLASS);
    String name = j.requiredString("class");
    Distribution duration = Distribution.parse(j, "duration");
    String pool = j.string("pool", null);
    String model = j.string("model", "none");
    if (!model.equals("none") && !model.equals("popular") && models.stream().noneMatch(m -> m.name().equals(model))) {
      throw new Spec.ScenarioException(j.at("model"), "must be none, popular or a model of the catalogue");
    }
    if (model.equals("popular") && models.isEmpty()) {
      throw new Spec.ScenarioException(j.at("model"), "popular needs a models catalogue");
    }
    String arrival = j.string("arrival", "poisson");
    if (!arrival.equals("poisson") && !arrival.equals("constant")) {
      throw new Spec.ScenarioException(j.at("arrival"), "must be poisson or constant");
    }
    double rate = j.perSecond("rate", 0);
    if (rate <= 0) {
      throw new Spec.ScenarioException(j.at("rate"), "is required and must be positive");
    }
    Map<String, Object> req = j.has("requirements") ? j.child("requirements").plain() : Map.of();
    return new JobClass(name, j.string("service", "sim"), pool,
      j.string("optimal_pool", pool != null ? pool : pools.classify(duration.median())), rate,
      arrival.equals("poisson"), duration, model, j.integer("priority", 50, 0, 100), j.number("fail_rate", 0, 0, 1),
      j.integer("max_attempts", 0, 0, 20), req);
  }

  private static List<Burst> bursts(Spec top, Set<String> classes) {
    List<Burst> out = new ArrayList<>();
    for (Spec b : top.specs("bursts")) {
      b.only(Set.of("at", "for", "factor", "classes"));
      List<String> cls = b.strings("classes");
      for (String c : cls) {
        if (!classes.contains(c)) {
          throw new Spec.ScenarioException(b.at("classes"), "unknown job class " + c);
        }
      }
      out.add(new Burst(b.durationMs("at", 0), b.durationMs("for", 0), b.number("factor", 1, 0, 1_000), cls));
    }
    return out;
  }

  private static List<ChurnEvent> churnEvents(Spec top, Set<String> groups) {
    List<ChurnEvent> out = new ArrayList<>();
    for (Spec e : top.specs("churn_events")) {
      e.only(Set.of("at", "action", "group", "count", "busy"));
      String action = e.requiredString("action");
      if (!action.equals("preempt") && !action.equals("drain")) {
        throw new Spec.ScenarioException(e.at("action"), "must be preempt or drain");
      }
      String group = e.requiredString("group");
      if (!groups.contains(group)) {
        throw new Spec.ScenarioException(e.at("group"), "unknown machine group " + group);
      }
      out.add(new ChurnEvent(e.durationMs("at", 0), action, group, e.integer("count", 1, 1, 500), e.bool("busy", false)));
    }
    return out;
  }
}
