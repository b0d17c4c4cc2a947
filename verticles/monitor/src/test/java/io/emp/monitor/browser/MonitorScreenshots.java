package io.emp.monitor.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.ClaimedJob;
import io.emp.core.model.JobSubmission;
import io.emp.core.model.WorkerCapabilities;
import io.emp.monitor.MonitorFixture;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openqa.selenium.By;

/**
 * Not part of the build: renders the main views of the page against a small live fleet and saves
 * them as PNG for the README ({@code scripts/monitor-screenshots.sh} →
 * {@code -Dmonitor.screenshots.dir=docs/images}). Each view is captured once its content is there.
 */
@EnabledIfSystemProperty(named = "monitor.screenshots.dir", matches = ".+")
class MonitorScreenshots {
  private static final String[][] FLEET = {
    {"salad-01", "fast", "NVIDIA GeForce RTX 4090", "24564"},
    {"salad-02", "fast", "NVIDIA GeForce RTX 4090", "24564"},
    {"vast-11", "standard", "NVIDIA L40S", "46068"},
    {"vast-12", "standard", "NVIDIA L40S", "46068"},
    {"lambda-a100", "heavy", "NVIDIA A100-SXM4-80GB", "81920"},
  };
  private final Random random = new Random(7);
  private int counter;

  @Test
  void captureMainViews() throws Exception {
    Path dir = Path.of(System.getProperty("monitor.screenshots.dir")).toAbsolutePath();
    try (MonitorFixture fx = new MonitorFixture().start().withMachine(2); Browser b = Browser.start()) {
      MonitorFixture.await(fx.store().configure(Map.of("machine_stale_ms", 8000, "machine_offline_ms", 12000)));
      MonitorFixture.await(fx.machines().publishStatus("spot-gone-07", doc("spot-gone-07", "fast", "NVIDIA GeForce RTX 3090", 24576, 0, 1), "ready", true));
      seedFleet(fx);
      List<ClaimedJob> claimed = claimOnFleet(fx);
      // a stream of work for the charts and the lists: simulation jobs of 1-3 s, one in ten failing
      var stream = fx.vertx().setPeriodic(900, t -> submitSimulation(fx, counter++));
      var beat = fx.vertx().setPeriodic(2_000, t -> progress(fx, claimed));
      Thread.sleep(45_000);

      b.open(fx.url() + "#machines");
      b.js("localStorage.setItem('emp.monitor.theme', 'dark')");
      b.driver().navigate().refresh();
      b.login(MonitorFixture.TOKEN);
      b.awaitLive();
      b.until(d -> b.findAll("[data-testid=machine-card]").size() == FLEET.length + 2
        && "offline".equals(d.findElement(By.cssSelector("[data-machine-id=spot-gone-07]")).getDomAttribute("data-status")),
        Duration.ofSeconds(60), "the fleet with one offline machine");
      shot(b, dir, "monitor-machines.png");

      b.view("jobs");
      b.until(d -> !b.findAll("[data-testid=job-row][data-status=running]").isEmpty()
        && !b.findAll("[data-testid=job-row][data-status=queued]").isEmpty(), Duration.ofSeconds(30), "running and queued jobs in view");
      shot(b, dir, "monitor-jobs.png");

      b.driver().findElement(By.cssSelector("[data-testid=job-row][data-status=running]")).click();
      b.until(d -> !b.findAll("[data-testid=explain-row]").isEmpty(), Duration.ofSeconds(30), "job details");
      shot(b, dir, "monitor-job-details.png");
      b.find("drawer-close").click();

      b.view("submit");
      b.js("const s = document.querySelector('[data-testid=submit-template]'); s.value = 'comfyui'; s.dispatchEvent(new Event('change'));");
      for (String[] f : new String[][] {{"submit-req-gpu", "16"}, {"submit-req-models", "sdxl"}, {"submit-customer-id", "acme"},
        {"submit-count", "5"}, {"submit-pool", "fast"}}) {
        b.js("const el = document.querySelector('[data-testid=' + arguments[0] + ']'); el.value = arguments[1];"
          + " el.dispatchEvent(new Event('input', {bubbles: true}));", f[0], f[1]);
      }
      b.find("submit-button").click();
      b.until(d -> b.findAll("[data-testid=submit-id]").size() == 5, Duration.ofSeconds(30), "the submit reply");
      shot(b, dir, "monitor-submit.png");

      b.view("stats");
      b.find("stats-window-300").click();
      b.until(d -> b.findAll(".chart-plot canvas").size() == 5 && !b.find("stats-status").getText().isEmpty(),
        Duration.ofSeconds(30), "five charts");
      shot(b, dir, "monitor-stats.png");
      fx.vertx().cancelTimer(stream);
      fx.vertx().cancelTimer(beat);
    }
    for (String name : List.of("machines", "jobs", "job-details", "submit", "stats")) {
      assertThat(Files.size(dir.resolve("monitor-" + name + ".png"))).isGreaterThan(10_000);
    }
  }

  private static void shot(Browser b, Path dir, String name) throws Exception {
    b.js("document.activeElement && document.activeElement.blur()");
    Thread.sleep(300); // let the last frame paint
    b.screenshot(dir.resolve(name));
  }

  private void seedFleet(MonitorFixture fx) {
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < FLEET.length; i++) {
      String[] m = FLEET[i];
      fs.add(fx.machines().publishStatus(m[0], doc(m[0], m[1], m[2], Integer.parseInt(m[3]), i, 2), "ready", true));
      for (int w = 0; w < 2; w++) {
        fs.add(fx.store().registerWorker(m[0] + "-worker-" + w, m[0], new WorkerCapabilities(new JsonObject()
          .put("services", new JsonArray().add("comfyui")).put("pool", m[1])
          .put("hardware", new JsonObject().put("gpu_memory_gb", Integer.parseInt(m[3]) / 1024))
          .put("models", new JsonObject().put("comfyui", new JsonArray().add("sdxl")))), 1, 3_600_000L));
      }
    }
    MonitorFixture.await(Future.all(fs));
    for (int i = 0; i < 14; i++) {
      String pool = FLEET[i % FLEET.length][1];
      JsonObject job = new JsonObject().put("service", "comfyui").put("pool", pool).put("customer_id", i % 2 == 0 ? "acme" : "globex")
        .put("priority", 40 + i * 3)
        .put("requirements", new JsonObject().put("hardware", new JsonObject().put("gpu_memory_gb", 16)).put("models", new JsonArray().add("sdxl")))
        .put("payload", new JsonObject().put("prompt", new JsonObject().put("3", new JsonObject().put("class_type", "KSampler")
          .put("inputs", new JsonObject().put("seed", i).put("steps", 30)))));
      MonitorFixture.await(fx.store().submit(JobSubmission.fromJson(job, 1 << 20)));
    }
  }

  private List<ClaimedJob> claimOnFleet(MonitorFixture fx) {
    List<ClaimedJob> out = new ArrayList<>();
    for (String[] m : FLEET) {
      for (int w = 0; w < 2; w++) {
        if (!(m[0].equals("vast-12") && w == 1)) {
          out.addAll(MonitorFixture.await(fx.store().claim(m[0] + "-worker-" + w, 1, false)));
        }
      }
    }
    return out;
  }

  private void progress(MonitorFixture fx, List<ClaimedJob> claimed) {
    for (ClaimedJob j : claimed) {
      fx.store().progress(j.id(), j.job().worker(), j.token(), 10 + random.nextInt(85),
        "node 5/7 KSampler " + (20 + random.nextInt(80)) + "%");
      fx.store().heartbeat(j.job().worker(), null);
    }
    for (int i = 0; i < FLEET.length; i++) {
      String[] m = FLEET[i];
      fx.machines().publishStatus(m[0], doc(m[0], m[1], m[2], Integer.parseInt(m[3]), i, 2), "ready", false);
    }
  }

  private void submitSimulation(MonitorFixture fx, int n) {
    JsonObject payload = new JsonObject().put("duration_ms", 1000 + random.nextInt(2000)).put("steps", 8);
    if (n % 10 == 3) {
      payload.put("fail", true);
    }
    JsonObject job = new JsonObject().put("service", "simulation").put("customer_id", n % 3 == 0 ? "acme" : "initech")
      .put("max_attempts", 1).put("payload", payload);
    fx.store().submit(JobSubmission.fromJson(job, 1 << 20));
  }

  private static JsonObject doc(String id, String pool, String gpu, int vram, int seed, int gpus) {
    JsonArray g = new JsonArray();
    JsonArray services = new JsonArray();
    for (int i = 0; i < gpus; i++) {
      g.add(new JsonObject().put("index", i).put("name", gpu).put("memory_total_mb", vram).put("utilization_pct", (seed * 37 + i * 51) % 100));
      services.add(new JsonObject().put("name", "comfyui-gpu" + i).put("service", "comfyui").put("gpu", i).put("port", 8188 + i)
        .put("state", seed == 3 && i == 1 ? "backoff" : "ready").put("pid", 4100 + seed * 10 + i).put("restarts", seed == 3 && i == 1 ? 4 : 0)
        .put("uptime_ms", 5_400_000).put("memory_bytes", 7_500_000_000L + seed * 100_000_000L));
    }
    return new JsonObject().put("machine_id", id).put("pool", pool).put("phase", "ready").put("supervisor_version", "0.1.0")
      .put("uptime_ms", 5_400_000).put("gpu_count", gpus).put("published_at", System.currentTimeMillis())
      .put("host", new JsonObject().put("hostname", id + ".fleet.internal").put("cpus", 16).put("ram_total_bytes", 68_719_476_736L)
        .put("ram_available_bytes", 40_000_000_000L).put("load_1m", 2.5 + seed).put("gpus", g)
        .put("disks", new JsonArray().add(new JsonObject().put("path", "/var/lib/emp").put("total_bytes", 1_000_000_000_000L)
          .put("free_bytes", 420_000_000_000L - seed * 60_000_000_000L))))
      .put("services", services).put("workers", new JsonArray());
  }
}
