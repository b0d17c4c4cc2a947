package io.emp.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.emp.core.config.EnvConfig;
import io.emp.supervisor.models.ModelCatalog;
import io.emp.supervisor.nodes.NodeSpec;
import io.emp.supervisor.nodes.NodesConfig;
import io.emp.supervisor.process.InstanceSpec;
import io.emp.supervisor.process.MachineSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Lint of everything under {@code deploy/} (docs/operations.md). No Docker engine runs on the
 * project's machines, so images are never built: Dockerfiles get structural checks, and the external
 * linters run only where they are installed — {@code promtool} (CI installs Debian's prometheus),
 * {@code docker compose config}, {@code systemd-analyze verify}, {@code kubectl kustomize}; a test
 * whose tool is missing is skipped with the reason, the structural checks always run.
 */
class DeployFilesTest {
  private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
  private static final Path DEPLOY = ROOT.resolve("deploy");
  private static final Path COMPOSE = DEPLOY.resolve("compose/docker-compose.yml");
  private static final Path PROMETHEUS = DEPLOY.resolve("prometheus/prometheus.yml");
  private static final Path ALERTS = DEPLOY.resolve("prometheus/alerts.yml");
  private static final Path ALERT_TESTS = DEPLOY.resolve("prometheus/alerts.test.yml");
  private static final Path DASHBOARD = DEPLOY.resolve("grafana/emp-dashboard.json");
  private static final Path OPERATIONS = ROOT.resolve("docs/operations.md");
  private static final Path METRICS_DOC = ROOT.resolve("docs/metrics.md");
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  /** Role → the port its /health is served on inside its container. */
  private static final Map<String, String> ROLE_PORTS = Map.of("api", "3331", "router", "9092", "monitor", "3333",
    "worker", "9091", "supervisor", "9090", "standalone", "3331");
  private static final List<String> POOLS = List.of("fast", "standard", "heavy");
  private static final Pattern METRIC = Pattern.compile("(?<![A-Za-z0-9_:])emp_[a-z0-9_]+");

  // ---------------------------------------------------------------------------------------------
  // YAML and JSON

  @Test
  @DisplayName("every YAML file under deploy/ parses, every document of it, without duplicate keys; every JSON file parses")
  void everyYamlAndJsonFileParses() {
    List<Path> yaml = files(DEPLOY, ".yml", ".yaml");
    assertThat(yaml).hasSizeGreaterThan(15);
    for (Path p : yaml) {
      List<Object> docs = yamlDocs(p);
      assertThat(docs).as(rel(p)).isNotEmpty();
      assertThat(docs).as(rel(p) + ": a document is empty").doesNotContainNull();
    }
    for (Path p : files(DEPLOY, ".json")) {
      String text = read(p).strip();
      assertThat(text.startsWith("[") ? new JsonArray(text) : new JsonObject(text)).as(rel(p)).isNotNull();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Dockerfiles

  @Test
  @DisplayName("each role has a multi-stage Dockerfile: Maven build, JRE runtime with its jar, non-root USER, HEALTHCHECK on /health, EXPOSE, JAVA_OPTS")
  void roleDockerfiles() {
    for (Map.Entry<String, String> role : ROLE_PORTS.entrySet()) {
      String name = role.getKey();
      Path file = DEPLOY.resolve("docker/" + name + ".Dockerfile");
      List<String[]> ins = dockerInstructions(file);
      checkDockerfile(file, ins, role.getValue());
      assertThat(joined(ins, "FROM")).as(rel(file)).contains("maven:3-eclipse-temurin-17 AS build").contains("eclipse-temurin:17-jre");
      assertThat(joined(ins, "COPY")).as(rel(file))
        .contains("--from=build /src/verticles/" + name + "/target/emp-" + name + ".jar /opt/emp/emp-" + name + ".jar");
      assertThat(joined(ins, "ENTRYPOINT")).as(rel(file)).contains("/opt/emp/emp-" + name + ".jar").contains("$JAVA_OPTS");
      // the jar name the Dockerfile copies is the one the module's pom builds
      assertThat(read(ROOT.resolve("verticles/" + name + "/pom.xml"))).as(name + " pom")
        .contains("<emp.jar>emp-" + name + "</emp.jar>");
    }
    assertThat(joined(dockerInstructions(DEPLOY.resolve("docker/supervisor.Dockerfile")), "COPY"))
      .contains("emp-worker.jar").contains("deploy/machine/");
  }

  @Test
  @DisplayName("each GPU pool has a Dockerfile on a CUDA base with the supervisor and worker jars, a machine spec and one pool.yaml")
  void poolDockerfiles() {
    for (String pool : POOLS) {
      Path file = DEPLOY.resolve("machines/" + pool + "/Dockerfile");
      List<String[]> ins = dockerInstructions(file);
      checkDockerfile(file, ins, "9090");
      String text = read(file);
      assertThat(text).as(rel(file)).contains("nvidia/cuda:12").contains("emp-supervisor.jar").contains("emp-worker.jar")
        .contains("deploy/machines/" + pool + "/pool.yaml").contains("deploy/machines/" + pool + "/machine.yaml")
        .contains("EMP_POOL=" + pool).contains("EMP_MACHINE_SPEC=/opt/emp/machine/machine.yaml");
      if (!pool.equals("fast")) {
        // ComfyUI pools: custom nodes at build time, .env files only at start; baked models for the model manager
        assertThat(text).as(rel(file)).contains("install-nodes /opt/emp/pool/nodes.json").contains("--skip-env")
          .contains("EMP_NODES_MODE=env-only").contains("EMP_MODELS_CATALOG=/opt/emp/pool/models-catalog.json")
          .contains("pool-tool.py bake");
      } else {
        assertThat(text).as(rel(file)).contains("ollama pull").contains("OLLAMA_MODELS=/opt/ollama/models");
      }
    }
  }

  /** Structure shared by every Dockerfile under deploy/. */
  private static void checkDockerfile(Path file, List<String[]> ins, String healthPort) {
    String where = rel(file);
    assertThat(Files.exists(Path.of(file + ".dockerignore"))).as(where + ": a .dockerignore next to it (the context is the repo root)").isTrue();
    List<String> froms = values(ins, "FROM");
    assertThat(froms).as(where + ": multi-stage").hasSizeGreaterThanOrEqualTo(2);
    assertThat(joined(ins, "RUN")).as(where + ": builds the jars as the README does").contains("mvn -B -DskipTests package");
    int lastFrom = lastIndex(ins, "FROM");
    List<String> users = new ArrayList<>();
    for (int i = lastFrom; i < ins.size(); i++) {
      if (ins.get(i)[0].equals("USER")) {
        users.add(ins.get(i)[1].strip());
      }
    }
    assertThat(users).as(where + ": a USER in the final stage").isNotEmpty();
    String user = users.get(users.size() - 1).split(":")[0];
    assertThat(user).as(where + ": the final USER is not root").isNotIn("root", "0");
    assertThat(joined(ins, "HEALTHCHECK")).as(where).contains("/health").contains("CMD");
    assertThat(joined(ins, "EXPOSE")).as(where).contains(healthPort);
    assertThat(joined(ins, "ENV")).as(where).contains("JAVA_OPTS=");
    assertThat(joined(ins, "HEALTHCHECK")).as(where + ": the health check needs curl, installed in the image")
      .contains("curl");
    assertThat(joined(ins, "RUN")).as(where).contains("curl");
    // every COPY from the build context names a file that exists (the context is the repository root)
    Set<String> stages = new LinkedHashSet<>();
    for (String[] in : ins) {
      if (in[0].equals("FROM")) {
        Matcher m = Pattern.compile("(?i)\\sAS\\s+(\\S+)").matcher(in[1]);
        if (m.find()) {
          stages.add(m.group(1));
        }
      }
      if (in[0].equals("COPY")) {
        List<String> args = new ArrayList<>(List.of(in[1].strip().split("\\s+")));
        String from = args.stream().filter(a -> a.startsWith("--from=")).map(a -> a.substring(7)).findFirst().orElse(null);
        args.removeIf(a -> a.startsWith("--"));
        assertThat(args).as(where + ": COPY " + in[1]).hasSizeGreaterThanOrEqualTo(2);
        if (from == null) {
          for (String src : args.subList(0, args.size() - 1)) {
            assertThat(ROOT.resolve(src)).as(where + ": COPY source " + src).exists();
          }
        } else {
          assertThat(stages.contains(from) || from.contains(":") || from.contains("/"))
            .as(where + ": COPY --from=" + from + " names an earlier stage or an image").isTrue();
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // GPU pools: pool.yaml in the installer's and the catalog's formats, machine specs

  @Test
  @DisplayName("each pool.yaml holds custom nodes the real installer accepts and a catalog the real model manager accepts; baked models are in the catalog")
  void poolFiles(@TempDir Path tmp) throws IOException {
    for (String pool : POOLS) {
      Path file = DEPLOY.resolve("machines/" + pool + "/pool.yaml");
      Map<String, Object> doc = map(yamlDocs(file).get(0), rel(file));
      assertThat(doc.keySet()).as(rel(file)).isSubsetOf("pool", "nodes", "models", "baked_models", "ollama_models");
      assertThat(doc.get("pool")).as(rel(file)).isEqualTo(pool);
      List<?> nodesYaml = doc.get("nodes") == null ? List.of() : (List<?>) doc.get("nodes");
      List<NodeSpec> nodes = NodesConfig.parse(new JsonObject().put("nodes", new JsonArray(new ArrayList<>(nodesYaml))).encode());
      assertThat(nodes).as(rel(file) + " nodes").hasSize(nodesYaml.size());
      Map<?, ?> models = doc.get("models") == null ? Map.of() : (Map<?, ?>) doc.get("models");
      Path catalogFile = tmp.resolve(pool + "-models-catalog.json");
      Files.writeString(catalogFile, new JsonObject().put("models", new JsonObject(stringKeys(models))).encode());
      ModelCatalog catalog = ModelCatalog.load(catalogFile);
      assertThat(catalog.entries()).as(rel(file) + " models").hasSize(models.size());
      for (Object entry : models.values()) {
        // a digest written without quotes could be read as a number (e.g. 123e4...) by any YAML reader
        assertThat(((Map<?, ?>) entry).get("sha256")).as(rel(file) + ": sha256 is a string").isInstanceOf(String.class);
      }
      List<?> baked = doc.get("baked_models") == null ? List.of() : (List<?>) doc.get("baked_models");
      for (Object name : baked) {
        assertThat(catalog.get(String.valueOf(name))).as(rel(file) + ": baked model " + name + " is in models").isNotNull();
      }
      if (pool.equals("fast")) {
        assertThat((List<?>) doc.get("ollama_models")).as(rel(file)).isNotEmpty();
      } else {
        assertThat(nodes).as(rel(file)).isNotEmpty();
        assertThat(baked).as(rel(file)).isNotEmpty();
      }
    }
  }

  @Test
  @DisplayName("each pool's machine spec loads and gives one backend and one worker per GPU, the worker in that pool")
  void poolMachineSpecs() {
    Map<String, String> backend = Map.of("fast", "ollama", "standard", "comfyui", "heavy", "comfyui");
    for (String pool : POOLS) {
      Path file = DEPLOY.resolve("machines/" + pool + "/machine.yaml");
      MachineSpec spec = MachineSpec.load(file, EnvConfig.of(Map.of("EMP_MACHINE_ID", "box-1")));
      assertThat(spec.pool()).as(rel(file)).isEqualTo(pool);
      List<InstanceSpec> instances = spec.instances(2, Path.of("/tmp/emp-run-test"), 10_000);
      String b = backend.get(pool);
      assertThat(instances).extracting(InstanceSpec::name).as(rel(file))
        .containsExactlyInAnyOrder(b + "-gpu0", b + "-gpu1", "worker-gpu0", "worker-gpu1");
      InstanceSpec w1 = instances.stream().filter(i -> i.name().equals("worker-gpu1")).findFirst().orElseThrow();
      assertThat(w1.env()).as(rel(file)).containsEntry("EMP_POOL", pool).containsEntry("EMP_WORKER_INDEX_START", "1");
      assertThat(w1.dependsOn()).as(rel(file)).containsExactly(b + "-gpu1");
      assertThat(w1.stopGraceMs()).as(rel(file) + ": the worker's stop grace exceeds the drain grace").isGreaterThan(30_000);
    }
  }

  @Test
  @DisplayName("pool-tool.py splits each pool.yaml into exactly what the installer and the catalog loader read (when python3 with PyYAML is here)")
  void poolToolSplits(@TempDir Path tmp) throws IOException {
    assumeTrue(run(List.of("python3", "-c", "import yaml"), ROOT).ok(), "python3 with PyYAML is not installed: the image build runs pool-tool.py, the test cannot");
    for (String pool : POOLS) {
      Path out = tmp.resolve(pool);
      Result r = run(List.of("python3", DEPLOY.resolve("machines/common/pool-tool.py").toString(), "split",
        DEPLOY.resolve("machines/" + pool + "/pool.yaml").toString(), out.toString()), ROOT);
      assertThat(r.ok()).as(r.output()).isTrue();
      assertThat(NodesConfig.load(out.resolve("nodes.json"))).isNotNull();
      assertThat(ModelCatalog.load(out.resolve("models-catalog.json"))).isNotNull();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // docker compose

  @Test
  @DisplayName("the compose stack: Redis with AOF everysec and noeviction, every role, a simulated machine, exporter, Prometheus, Grafana; every path it names exists")
  void composeFile() {
    Map<String, Object> compose = map(yamlDocs(COMPOSE).get(0), "compose");
    Map<String, Object> services = map(compose.get("services"), "services");
    assertThat(services).containsKeys("redis", "redis-exporter", "api", "router", "monitor", "machine", "prometheus", "grafana");
    String redis = String.join(" ", strings(map(services.get("redis"), "redis").get("command")));
    assertThat(redis).contains("--appendonly yes").contains("--appendfsync everysec").contains("--maxmemory-policy noeviction")
      .contains("--maxmemory ");
    Path dir = COMPOSE.getParent();
    for (Map.Entry<String, Object> e : services.entrySet()) {
      Map<String, Object> svc = map(e.getValue(), e.getKey());
      if (svc.get("build") != null) {
        Map<String, Object> build = map(svc.get("build"), e.getKey() + ".build");
        Path context = dir.resolve(String.valueOf(build.get("context"))).normalize();
        assertThat(context).as(e.getKey()).isEqualTo(ROOT);
        assertThat(context.resolve(String.valueOf(build.get("dockerfile")))).as(e.getKey() + " dockerfile").exists();
      }
      for (String volume : strings(svc.get("volumes"))) {
        String source = volume.split(":")[0];
        if (source.startsWith(".")) {
          assertThat(dir.resolve(source).normalize()).as(e.getKey() + " mounts " + source).exists();
        }
      }
    }
    Map<String, Object> machineEnv = map(map(services.get("machine"), "machine").get("environment"), "machine.environment");
    assertThat(machineEnv.get("EMP_MACHINE_SPEC")).isEqualTo("/opt/emp/machine/simulation.yaml");
    assertThat(ROOT.resolve("deploy/machine/simulation.yaml")).exists();
    // Prometheus scrapes compose service names
    for (String target : scrapeTargets()) {
      String host = target.split(":")[0];
      assertThat(host.equals("localhost") || services.containsKey(host)).as("scrape target " + target).isTrue();
    }
  }

  @Test
  @DisplayName("docker compose config -q accepts the compose file (the compose plugin, else docker-compose v1, when installed; no engine is needed)")
  void composeConfig() {
    List<String> compose = List.of("docker", "compose");
    Result version = run(List.of("docker", "compose", "version"), ROOT);
    if (!version.ok()) {
      compose = List.of("docker-compose");
      version = run(List.of("docker-compose", "version"), ROOT);
    }
    assumeTrue(version.ok(), "neither the docker compose plugin nor docker-compose is installed here: only the"
      + " YAML and structure checks ran (" + version.output().strip() + ")");
    List<String> cmd = new ArrayList<>(compose);
    cmd.addAll(List.of("-f", COMPOSE.toString(), "config", "-q"));
    Result r = run(cmd, ROOT, Map.of("EMP_API_TOKEN", "lint-token"));
    assertThat(r.ok()).as(String.join(" ", cmd) + "\n" + r.output()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // Prometheus, alerts, Grafana

  @Test
  @DisplayName("promtool check config, check rules and the alert unit tests pass (when promtool is installed)")
  void promtool() {
    assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed (Debian package prometheus)");
    for (List<String> cmd : List.of(
      List.of(PROMTOOL.toString(), "check", "config", PROMETHEUS.toString()),
      List.of(PROMTOOL.toString(), "check", "rules", ALERTS.toString()),
      List.of(PROMTOOL.toString(), "test", "rules", ALERT_TESTS.toString()))) {
      Result r = run(cmd, PROMETHEUS.getParent());
      assertThat(r.ok()).as(String.join(" ", cmd) + "\n" + r.output()).isTrue();
    }
  }

  @Test
  @DisplayName("every emp_* metric in the alert rules and the dashboard is documented in docs/metrics.md")
  void metricNamesAreDocumented() {
    Set<String> documented = documentedMetricNames();
    assertThat(documented).contains("emp_queue_depth", "emp_job_wait_seconds_bucket", "emp_supervisor_service_restarts_total");
    Set<String> used = new TreeSet<>();
    alertRules().forEach(rule -> used.addAll(metricNames(String.valueOf(rule.get("expr")))));
    dashboardExpressions().values().forEach(expr -> used.addAll(metricNames(expr)));
    assertThat(used).hasSizeGreaterThan(15);
    assertThat(used).as("names missing from docs/metrics.md").allMatch(documented::contains);
  }

  @Test
  @DisplayName("the alert rules cover what operators need, each with a severity, a summary and a runbook entry in docs/operations.md")
  void alertsHaveRunbooks() {
    String ops = read(OPERATIONS);
    Set<String> names = new TreeSet<>();
    Set<String> jobs = scrapeJobs();
    for (Map<String, Object> rule : alertRules()) {
      String name = String.valueOf(rule.get("alert"));
      names.add(name);
      assertThat(String.valueOf(map(rule.get("labels"), name).get("severity"))).as(name).isIn("warning", "critical");
      Map<String, Object> ann = map(rule.get("annotations"), name);
      assertThat(ann).as(name).containsKeys("summary", "description");
      assertThat(ann.get("runbook_url")).as(name).isEqualTo("docs/operations.md#" + name.toLowerCase());
      assertThat(ops).as("docs/operations.md has a runbook heading for " + name).contains("\n### " + name + "\n");
      Matcher m = Pattern.compile("job=~?\"([^\"]+)\"").matcher(String.valueOf(rule.get("expr")));
      while (m.find()) {
        for (String job : m.group(1).split("\\|")) {
          assertThat(jobs).as(name + " uses job " + job + ", a job of prometheus.yml").contains(job);
        }
      }
    }
    assertThat(names).contains("EmpQueueOldestJobOld", "EmpJobsUnrunnable", "EmpServiceCrashLooping", "EmpRedisMemoryHigh",
      "EmpLeasesLost", "EmpFencedCompletions", "EmpFastPoolWaitHigh", "EmpNoMachinesOnline");
    assertThat(read(ALERTS)).contains("emp_queue_oldest_age_seconds", "emp_jobs_unrunnable",
      "emp_supervisor_service_restarts_total", "redis_memory_used_bytes", "redis_memory_max_bytes",
      "emp_job_incidents_total{incident=\"lost\"}", "emp_job_incidents_total{incident=\"fenced\"}",
      "histogram_quantile(0.95", "emp_job_wait_seconds_bucket{pool=\"fast\"}");
  }

  @Test
  @DisplayName("the Grafana dashboard: unique panel ids, every panel queries the datasource variable, the required views are there")
  void dashboard() {
    JsonObject dash = new JsonObject(read(DASHBOARD));
    assertThat(dash.getString("uid")).isEqualTo("emp-job-queue");
    Set<Integer> ids = new LinkedHashSet<>();
    for (Object o : dash.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) o;
      assertThat(ids.add(panel.getInteger("id"))).as("panel id " + panel.getInteger("id") + " is unique").isTrue();
      assertThat(panel.getJsonObject("gridPos")).as(panel.getString("title")).isNotNull();
      if (!"row".equals(panel.getString("type"))) {
        assertThat(panel.getJsonObject("datasource").getString("uid")).as(panel.getString("title")).isEqualTo("${datasource}");
        assertThat(panel.getJsonArray("targets")).as(panel.getString("title")).isNotEmpty();
      }
    }
    String all = String.join("\n", dashboardExpressions().values());
    assertThat(all).contains("emp_queue_depth", "emp_job_wait_seconds_bucket", "histogram_quantile(0.95",
      "histogram_quantile(0.5", "emp_jobs_completed_total", "emp_jobs_failed_total", "emp_pool_workers",
      "emp_jobs_routed_total", "route=\"fallback\"", "emp_jobs_models_total", "warmth=\"warm\"", "emp_machines",
      "emp_supervisor_service_restarts_total");
    Path provisioning = DEPLOY.resolve("grafana/provisioning");
    assertThat(provisioning.resolve("datasources/prometheus.yml")).exists();
    assertThat(read(provisioning.resolve("dashboards/emp.yml"))).contains("/var/lib/grafana/dashboards");
  }

  @Test
  @DisplayName("every dashboard query is valid PromQL: promtool checks them as recording rules (when promtool is installed)")
  void dashboardQueriesParse(@TempDir Path tmp) throws IOException {
    assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed (Debian package prometheus)");
    List<Map<String, Object>> rules = new ArrayList<>();
    dashboardExpressions().forEach((key, expr) -> rules.add(Map.of("record", "dashboard:" + key,
      "expr", expr.replace("$__rate_interval", "5m").replace("$pool", ".*"))));
    Path file = tmp.resolve("dashboard-rules.yml");
    Files.writeString(file, new Yaml().dump(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules)))));
    Result r = run(List.of(PROMTOOL.toString(), "check", "rules", file.toString()), tmp);
    assertThat(r.ok()).as(r.output()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // systemd

  @Test
  @DisplayName("systemd units: one per role, EnvironmentFile=/etc/emp/<role>.env, Restart=on-failure, SIGTERM with a stop timeout above the shutdown timeout, hardening")
  void systemdUnitsStructure() {
    List<Path> units = files(DEPLOY.resolve("systemd"), ".service");
    assertThat(units).extracting(p -> p.getFileName().toString())
      .contains("emp-api.service", "emp-router.service", "emp-monitor.service", "emp-worker.service", "emp-supervisor.service");
    for (Path unit : units) {
      String role = unit.getFileName().toString().replaceAll("^emp-|\\.service$", "");
      Map<String, Map<String, List<String>>> ini = ini(unit);
      String where = rel(unit);
      assertThat(ini).as(where).containsKeys("Unit", "Service", "Install");
      Map<String, List<String>> s = ini.get("Service");
      assertThat(first(s, "ExecStart")).as(where).startsWith("/usr/bin/java $JAVA_OPTS -jar /opt/emp/emp-" + role + ".jar");
      assertThat(first(s, "EnvironmentFile")).as(where).isEqualTo("/etc/emp/" + role + ".env");
      assertThat(DEPLOY.resolve("systemd/env/" + role + ".env.example")).as(where + ": its example env file").exists();
      assertThat(first(s, "Restart")).as(where).isEqualTo("on-failure");
      assertThat(first(s, "KillSignal")).as(where).isEqualTo("SIGTERM");
      assertThat(first(s, "User")).as(where).isNotIn("root", "0");
      int stop = Integer.parseInt(first(s, "TimeoutStopSec"));
      assertThat(stop).as(where + ": TimeoutStopSec above EMP_SHUTDOWN_TIMEOUT_MS (60 s) and EMP_DRAIN_GRACE_MS (30 s)").isGreaterThan(60);
      assertThat(first(s, "NoNewPrivileges")).as(where).isEqualTo("yes");
      assertThat(first(s, "ProtectSystem")).as(where).isEqualTo("strict");
      assertThat(first(s, "PrivateTmp")).as(where).isEqualTo("yes");
      assertThat(s).as(where + ": MemoryDenyWriteExecute breaks the JVM's JIT").doesNotContainKey("MemoryDenyWriteExecute");
      assertThat(first(ini.get("Install"), "WantedBy")).as(where).isEqualTo("multi-user.target");
    }
    Map<String, List<String>> supervisor = ini(DEPLOY.resolve("systemd/emp-supervisor.service")).get("Service");
    assertThat(first(supervisor, "KillMode")).as("the supervisor drains its machine itself: SIGTERM to it only").isEqualTo("mixed");
    assertThat(supervisor.get("ReadWritePaths")).isNotNull();
    assertThat(supervisor).as("GPU devices stay visible to the supervisor's services").doesNotContainKey("PrivateDevices");
  }

  @Test
  @DisplayName("systemd-analyze verify accepts every unit without a warning (when systemd-analyze and /usr/bin/java exist)")
  void systemdAnalyzeVerify() {
    Result version = run(List.of("systemd-analyze", "--version"), ROOT);
    assumeTrue(version.ok(), "systemd-analyze is not installed: only the structure checks ran");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/java")),
      "verify needs the ExecStart binary /usr/bin/java to exist; this machine has Java elsewhere");
    List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify"));
    files(DEPLOY.resolve("systemd"), ".service").forEach(p -> cmd.add(p.toString()));
    Result r = run(cmd, DEPLOY.resolve("systemd"));
    assertThat(r.ok()).as(r.output()).isTrue();
    // unknown keys and unparsable values are only warnings for systemd: fail on any line about our units
    List<String> complaints = r.output().lines().filter(l -> l.contains("emp-")).toList();
    assertThat(complaints).as(r.output()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Kubernetes

  @Test
  @DisplayName("Kubernetes manifests: Deployments for api, router and monitor with /health and /ready probes, resources, non-root; Services match pods; a headless Service for the cluster")
  void kubernetesManifests() {
    Path dir = DEPLOY.resolve("k8s");
    Map<String, Object> kustomization = map(yamlDocs(dir.resolve("kustomization.yaml")).get(0), "kustomization");
    List<Map<String, Object>> objects = new ArrayList<>();
    for (String resource : strings(kustomization.get("resources"))) {
      assertThat(dir.resolve(resource)).as("kustomization resource " + resource).exists();
      yamlDocs(dir.resolve(resource)).forEach(d -> objects.add(map(d, resource)));
    }
    assertThat(strings(kustomization.get("resources"))).as("the Secret is created out of band, never applied from git")
      .doesNotContain("secret.example.yaml");
    Map<String, Map<String, Object>> deployments = new LinkedHashMap<>();
    for (Map<String, Object> o : objects) {
      if ("Deployment".equals(o.get("kind"))) {
        deployments.put(String.valueOf(map(o.get("metadata"), "metadata").get("name")), o);
      }
    }
    assertThat(deployments).containsKeys("emp-api", "emp-router", "emp-monitor");
    for (Map.Entry<String, Map<String, Object>> d : deployments.entrySet()) {
      String where = d.getKey();
      Map<String, Object> pod = map(path(d.getValue(), "spec", "template", "spec"), where);
      assertThat(path(pod, "securityContext", "runAsNonRoot")).as(where).isEqualTo(true);
      assertThat((Integer) pod.get("terminationGracePeriodSeconds")).as(where + ": above the 60 s shutdown timeout").isGreaterThan(60);
      for (Object c : (List<?>) pod.get("containers")) {
        Map<String, Object> container = map(c, where);
        assertThat(path(container, "livenessProbe", "httpGet", "path")).as(where + " liveness").isEqualTo("/health");
        assertThat(path(container, "readinessProbe", "httpGet", "path")).as(where + " readiness").isEqualTo("/ready");
        assertThat(path(container, "resources", "requests", "cpu")).as(where).isNotNull();
        assertThat(path(container, "resources", "requests", "memory")).as(where).isNotNull();
        assertThat(path(container, "resources", "limits", "memory")).as(where).isNotNull();
        assertThat(String.valueOf(container.get("envFrom"))).as(where + ": token and Redis URL from the Secret")
          .contains("emp-secrets").contains("emp-config");
      }
    }
    // each Service selects the pods of some Deployment; the headless one for Hazelcast discovery
    for (Map<String, Object> o : objects) {
      if (!"Service".equals(o.get("kind"))) {
        continue;
      }
      Map<String, Object> selector = map(path(o, "spec", "selector"), "selector");
      boolean matches = deployments.values().stream().anyMatch(d -> map(path(d, "spec", "template", "metadata", "labels"), "labels")
        .entrySet().containsAll(selector.entrySet()));
      assertThat(matches).as("Service " + path(o, "metadata", "name") + " selects some pods").isTrue();
    }
    Map<String, Object> headless = objects.stream().filter(o -> "Service".equals(o.get("kind"))
      && "None".equals(path(o, "spec", "clusterIP"))).findFirst().orElseThrow();
    assertThat(path(headless, "spec", "publishNotReadyAddresses")).isEqualTo(true);
    Map<String, Object> config = objects.stream().filter(o -> "ConfigMap".equals(o.get("kind"))).findFirst().orElseThrow();
    assertThat(path(config, "data", "EMP_CLUSTER_MEMBERS")).isEqualTo(path(headless, "metadata", "name"));
  }

  @Test
  @DisplayName("kubectl kustomize renders deploy/k8s offline (when kubectl is installed)")
  void kustomizeRenders() {
    Result version = run(List.of("kubectl", "version", "--client"), ROOT);
    assumeTrue(version.ok(), "kubectl is not installed: only the YAML and structure checks ran");
    Result r = run(List.of("kubectl", "kustomize", DEPLOY.resolve("k8s").toString()), ROOT);
    assertThat(r.ok()).as(r.output()).isTrue();
    long kinds = r.output().lines().filter(l -> l.startsWith("kind: ")).count();
    assertThat(kinds).as(r.output()).isGreaterThanOrEqualTo(8);
    assertThat(r.output()).contains("namespace: emp");
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static Set<String> documentedMetricNames() {
    Set<String> names = new TreeSet<>();
    for (String line : read(METRICS_DOC).split("\n")) {
      String[] cells = line.split("\\|");
      if (cells.length < 4 || !cells[1].contains("`emp_")) {
        continue;
      }
      String type = cells[2].strip();
      Matcher m = Pattern.compile("`(emp_[a-z0-9_]+)`").matcher(cells[1]);
      while (m.find()) {
        String name = m.group(1);
        names.add(name);
        if (type.startsWith("histogram")) {
          names.addAll(List.of(name + "_bucket", name + "_count", name + "_sum"));
        } else if (type.startsWith("summary")) {
          names.addAll(List.of(name + "_count", name + "_sum", name + "_max"));
        }
      }
    }
    return names;
  }

  private static Set<String> metricNames(String expr) {
    Set<String> out = new TreeSet<>();
    Matcher m = METRIC.matcher(expr);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static List<Map<String, Object>> alertRules() {
    List<Map<String, Object>> rules = new ArrayList<>();
    Map<String, Object> doc = map(yamlDocs(ALERTS).get(0), "alerts");
    for (Object g : (List<?>) doc.get("groups")) {
      for (Object r : (List<?>) map(g, "group").get("rules")) {
        rules.add(map(r, "rule"));
      }
    }
    return rules;
  }

  /** panel-id_refId (or var_name) → PromQL of the dashboard. */
  private static Map<String, String> dashboardExpressions() {
    JsonObject dash = new JsonObject(read(DASHBOARD));
    Map<String, String> out = new LinkedHashMap<>();
    for (Object o : dash.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) o;
      JsonArray targets = panel.getJsonArray("targets", new JsonArray());
      for (Object t : targets) {
        JsonObject target = (JsonObject) t;
        out.put("panel_" + panel.getInteger("id") + "_" + target.getString("refId"), target.getString("expr"));
      }
    }
    for (Object o : dash.getJsonObject("templating").getJsonArray("list")) {
      JsonObject var = (JsonObject) o;
      if ("query".equals(var.getString("type"))) {
        // label_values(metric, label) is Grafana's, not PromQL: check the metric name only
        Matcher m = Pattern.compile("label_values\\(([^,]+),").matcher(var.getString("definition"));
        assertThat(m.find()).as("variable " + var.getString("name")).isTrue();
        out.put("var_" + var.getString("name"), m.group(1).strip());
      }
    }
    return out;
  }

  private static Set<String> scrapeJobs() {
    Set<String> jobs = new TreeSet<>();
    for (Object c : (List<?>) map(yamlDocs(PROMETHEUS).get(0), "prometheus").get("scrape_configs")) {
      jobs.add(String.valueOf(map(c, "scrape_config").get("job_name")));
    }
    return jobs;
  }

  private static List<String> scrapeTargets() {
    List<String> targets = new ArrayList<>();
    for (Object c : (List<?>) map(yamlDocs(PROMETHEUS).get(0), "prometheus").get("scrape_configs")) {
      for (Object sc : (List<?>) map(c, "scrape_config").get("static_configs")) {
        targets.addAll(strings(map(sc, "static_config").get("targets")));
      }
    }
    return targets;
  }

  /** Instructions of a Dockerfile as {KEYWORD, arguments}, continuation lines joined, comments dropped. */
  private static List<String[]> dockerInstructions(Path file) {
    assertThat(file).exists();
    List<String[]> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : read(file).split("\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String text = current.toString().strip();
      current.setLength(0);
      if (text.isEmpty()) {
        continue;
      }
      int space = text.indexOf(' ');
      out.add(new String[] {text.substring(0, space).toUpperCase(), text.substring(space + 1)});
    }
    return out;
  }

  private static List<String> values(List<String[]> ins, String keyword) {
    return ins.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
  }

  private static String joined(List<String[]> ins, String keyword) {
    return String.join("\n", values(ins, keyword));
  }

  private static int lastIndex(List<String[]> ins, String keyword) {
    int last = -1;
    for (int i = 0; i < ins.size(); i++) {
      if (ins.get(i)[0].equals(keyword)) {
        last = i;
      }
    }
    return last;
  }

  /** A systemd unit as section → key → values (a key may repeat). */
  private static Map<String, Map<String, List<String>>> ini(Path unit) {
    Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
    Map<String, List<String>> section = null;
    for (String raw : read(unit).split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        section = out.computeIfAbsent(line.substring(1, line.length() - 1), k -> new LinkedHashMap<>());
        continue;
      }
      int eq = line.indexOf('=');
      assertThat(section).as(rel(unit) + ": '" + line + "' outside a section").isNotNull();
      assertThat(eq).as(rel(unit) + ": '" + line + "' is not key=value").isPositive();
      section.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
    }
    return out;
  }

  private static String first(Map<String, List<String>> section, String key) {
    List<String> v = section.get(key);
    assertThat(v).as(key).isNotNull();
    return v.get(0);
  }

  private static List<Object> yamlDocs(Path p) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    List<Object> docs = new ArrayList<>();
    try {
      for (Object d : new Yaml(new SafeConstructor(options)).loadAll(read(p))) {
        docs.add(d);
      }
    } catch (RuntimeException e) {
      throw new AssertionError(rel(p) + " is not valid YAML: " + e.getMessage(), e);
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String where) {
    assertThat(o).as(where + " is a map").isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  private static Object path(Map<String, Object> m, String... keys) {
    Object cur = m;
    for (String k : keys) {
      if (!(cur instanceof Map<?, ?> mm)) {
        return null;
      }
      cur = mm.get(k);
    }
    return cur;
  }

  private static List<String> strings(Object o) {
    if (o == null) {
      return List.of();
    }
    return ((List<?>) o).stream().map(String::valueOf).toList();
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v instanceof Map<?, ?> inner ? stringKeys(inner) : v));
    return out;
  }

  private static List<Path> files(Path dir, String... suffixes) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
        .filter(p -> Stream.of(suffixes).anyMatch(x -> p.getFileName().toString().endsWith(x)))
        .sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String rel(Path p) {
    return ROOT.relativize(p.toAbsolutePath().normalize()).toString();
  }

  private record Result(int code, String output) {
    boolean ok() {
      return code == 0;
    }
  }

  private static Result run(List<String> cmd, Path dir) {
    return run(cmd, dir, Map.of());
  }

  /** Runs a tool with a deadline (output through a file, so a hung tool cannot block the read). */
  private static Result run(List<String> cmd, Path dir, Map<String, String> env) {
    Path out = null;
    try {
      out = Files.createTempFile("deploy-lint", ".out");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(124, String.join(" ", cmd) + ": timed out\n" + Files.readString(out));
      }
      return new Result(p.exitValue(), Files.readString(out));
    } catch (IOException e) {
      // not installed: like a shell's "command not found"
      return new Result(127, String.join(" ", cmd) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException ignored) {
          // a temp file
        }
      }
    }
  }
}
