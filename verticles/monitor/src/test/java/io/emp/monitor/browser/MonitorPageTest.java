package io.emp.monitor.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.core.model.Job;
import io.emp.core.model.JobStatus;
import io.emp.core.model.JobSubmission;
import io.emp.monitor.MonitorFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The operator page in headless Chromium against a real control plane: Redis, router, monitor and
 * a supervised simulated machine with two GPUs (two simulation workers). The tests run in order on
 * one page, as an operator would use it; each waits for explicit conditions.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitorPageTest {
  private static final String T = MonitorFixture.TOKEN;
  private static final Duration LONG = Duration.ofSeconds(90);
  private static MonitorFixture fx;
  private static Browser b;

  @BeforeAll
  static void start() {
    fx = new MonitorFixture().start().withMachine(2);
    // presence thresholds short enough to see a machine go offline within the suite
    MonitorFixture.await(fx.store().configure(Map.of("machine_stale_ms", 8000, "machine_offline_ms", 12000)));
    MonitorFixture.await(fx.machines().publishStatus("gone-box", machineDoc("gone-box", "heavy", "gone-host"), "ready", true));
    b = Browser.start();
  }

  @AfterAll
  static void stop() {
    try {
      if (b != null) {
        b.close();
      }
    } finally {
      if (fx != null) {
        fx.close();
      }
    }
  }

  @Test
  @Order(1)
  @DisplayName("a wrong token is refused with a visible error and the login form again")
  void wrongToken() {
    b.open(fx.url());
    b.login("not-the-token");
    WebElement error = b.await(By.cssSelector("[data-testid=login-error]"));
    assertThat(error.getText()).contains("refused");
    assertThat(b.find("login-form").isDisplayed()).isTrue();
    assertThat(b.js("return sessionStorage.getItem('emp.monitor.token')")).isNull();
  }

  @Test
  @Order(2)
  @DisplayName("after login the page is live and shows the simulated machine with its GPUs, services and workers")
  void machineWithWorkers() {
    b.login(T);
    b.awaitLive();
    b.view("machines");
    String m = MonitorFixture.MACHINE;
    b.await(card(m));
    b.until(d -> attrsIn(m, "[data-testid=worker-row][data-status=online]", "workerId").size() == 2, Browser.WAIT, "two online workers");
    assertThat(textsIn(m, "[data-testid=machine-presence]")).containsExactly("online");
    assertThat(textsIn(m, "[data-testid=gpu-name]")).containsExactly("Simulated RTX 4090", "Simulated RTX 4090");
    b.until(d -> attrsIn(m, "[data-testid=service-row]", "service").equals(List.of("gpu-sim-gpu0", "gpu-sim-gpu1")), Browser.WAIT, "both services");
    assertThat(attrsIn(m, "[data-testid=worker-row]", "workerId")).containsExactly(m + "-worker-0", m + "-worker-1");
    assertThat(b.find("total-machines").getText()).startsWith("2/2");
    assertThat(b.js("return window.empMonitor.cspViolations.length")).isEqualTo(0L);
  }

  @Test
  @Order(3)
  @DisplayName("a refused submit names the field; 20 jobs submitted from the form move queued → running (with progress) → completed")
  @SuppressWarnings("unchecked")
  void batchFromTheForm() {
    String customer = "batch-" + nonce();
    b.view("submit");
    setValue(b.find("submit-service"), "simulation");
    setValue(b.find("submit-payload"), "{\"duration_ms\": 2500, \"steps\": 5}");
    setValue(b.find("submit-customer-id"), customer);
    setValue(b.find("submit-count"), "20");
    // a refusal names the field and marks it
    setValue(b.find("submit-priority"), "500");
    b.find("submit-button").click();
    WebElement refusal = b.await(By.cssSelector("[data-testid=submit-error]"));
    assertThat(refusal.getText()).contains("400").contains("job.priority");
    assertThat(b.find("submit-priority").getDomAttribute("aria-invalid")).isEqualTo("true");
    setValue(b.find("submit-priority"), "50");
    b.find("submit-button").click();
    b.until(d -> b.findAll("[data-testid=submit-id]").size() == 20, Browser.WAIT, "20 ids in the reply");
    List<String> ids = b.findAll("[data-testid=submit-id]").stream().map(WebElement::getText).toList();
    b.find("submit-ok").findElement(By.tagName("button")).click(); // "Show in the jobs list" (customer filter)
    recordRows();
    assertThat(b.find("filter-customer").getDomProperty("value")).isEqualTo(customer);
    b.until(d -> ids.stream().allMatch(id -> "completed".equals(rowStatus(id))), LONG, "all 20 jobs completed on the page");

    Map<String, List<List<Object>>> seen = (Map<String, List<List<Object>>>) b.js("return window.__seen");
    List<String> order = List.of("queued", "assigned", "running", "completed");
    int seenQueued = 0;
    for (String id : ids) {
      List<List<Object>> states = seen.get(id);
      assertThat(states).as("states of %s", id).isNotNull();
      List<Integer> idx = states.stream().map(s -> order.indexOf((String) s.get(0))).toList();
      assertThat(idx).as("no backwards transition for %s: %s", id, states).isSorted().doesNotContain(-1);
      assertThat(states).as("%s shown running with progress between 0 and 100", id)
        .anyMatch(s -> s.get(0).equals("running") && ((Number) s.get(1)).doubleValue() > 0 && ((Number) s.get(1)).doubleValue() < 100);
      assertThat(states.get(states.size() - 1).get(0)).isEqualTo("completed");
      if (idx.get(0) == 0) {
        seenQueued++;
      }
    }
    // two workers: all but the first couple of jobs wait in the queue for seconds
    assertThat(seenQueued).as("jobs seen queued").isGreaterThanOrEqualTo(15);
    for (String id : ids) {
      assertThat(job(id).status()).isEqualTo(JobStatus.COMPLETED);
    }
  }

  @Test
  @Order(4)
  @DisplayName("cancel from the page: a running job is interrupted, a queued one cancelled at once; retry queues it again")
  void cancelFromThePage() {
    String customer = "cancel-" + nonce();
    String running = submit(new JsonObject().put("service", "simulation").put("customer_id", customer)
      .put("payload", new JsonObject().put("duration_ms", 60_000).put("steps", 60)));
    String queued = submit(new JsonObject().put("service", "nobody-serves-this").put("customer_id", customer));
    b.view("jobs");
    filterCustomer(customer);
    b.until(d -> "running".equals(rowStatus(running)) && "queued".equals(rowStatus(queued)), LONG, "one running, one queued");

    for (String id : List.of(running, queued)) {
      clickRow(id, "job-cancel");
      b.confirm();
    }
    b.until(d -> "cancelled".equals(rowStatus(running)) && "cancelled".equals(rowStatus(queued)), LONG, "both cancelled on the page");
    assertThat(job(running).status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(job(queued).status()).isEqualTo(JobStatus.CANCELLED);
    // and retried from its row: queued again
    clickRow(queued, "job-retry");
    b.until(d -> "queued".equals(rowStatus(queued)), LONG, "the retried job queued again");
    assertThat(job(queued).status()).isEqualTo(JobStatus.QUEUED);
  }

  @Test
  @Order(5)
  @DisplayName("restarting a service from its card restarts the process and the restart count goes up")
  void restartService() {
    b.view("machines");
    String m = MonitorFixture.MACHINE;
    b.await(card(m));
    String service = "[data-testid=service-row][data-service=gpu-sim-gpu0]";
    int before = Integer.parseInt(textsIn(m, service + " [data-testid=service-restarts]").get(0));
    clickIn(m, service + " [data-testid=action-restart-service]");
    b.confirm();
    b.until(d -> textsIn(m, service + " [data-testid=service-restarts]").equals(List.of(String.valueOf(before + 1)))
      && attrsIn(m, service, "state").equals(List.of("ready")), LONG, "restart count " + (before + 1) + " and the service ready");
    b.until(d -> attrsIn(m, "[data-testid=machine-command]", "state").equals(List.of("ok")), Browser.WAIT, "the command result on the card");
  }

  @Test
  @Order(6)
  @DisplayName("the logs panel shows a service's last lines read through the machine's command stream")
  void logs() {
    b.view("machines");
    b.await(card(MonitorFixture.MACHINE));
    clickIn(MonitorFixture.MACHINE, "[data-testid=service-row][data-service=gpu-sim-gpu1] [data-testid=action-logs]");
    b.await(By.cssSelector("[data-testid=logs-panel]"));
    b.until(d -> b.find("logs-status").getText().contains("lines at"), LONG, "the tail_logs reply");
    b.find("drawer-close").click();
    b.until(d -> d.findElements(By.cssSelector("[data-testid=logs-panel]")).isEmpty(), Browser.WAIT, "the panel to close");
  }

  @Test
  @Order(7)
  @DisplayName("the stats view draws its five charts from the history, without any CSP violation or script error")
  void statsCharts() {
    b.view("stats");
    b.find("stats-window-300").click();
    b.until(d -> b.findAll("[data-testid^=chart-] canvas").size() == 5, Browser.WAIT, "five charts");
    b.until(d -> b.find("stats-status").getText().matches("step .+ · \\d+ points · updated .+"), Browser.WAIT, "the status line");
    // the batch above completed 20 jobs within this window: the series the charts draw hold them
    assertThat(b.js("return window.empMonitor.views.stats.points.reduce((a, p) => a + (p.completed || 0), 0)"))
      .satisfies(n -> assertThat(((Number) n).longValue()).isGreaterThanOrEqualTo(20));
    assertThat(b.js("return window.empMonitor.cspViolations.length")).isEqualTo(0L);
    assertThat(b.consoleErrors()).as("browser console errors (a refused WebSocket while reconnecting is expected)")
      .noneMatch(m -> !m.contains("WebSocket connection"));
  }

  @Test
  @Order(8)
  @DisplayName("markup in a payload, a customer and a machine's status document is shown as text, never run")
  void noInjection() {
    String script = "<script>window.__pwned=1</script>";
    String img = "<img src=x onerror=\"window.__pwned=2\">";
    String id = submit(new JsonObject().put("service", "xss-check").put("customer_id", "<b>cust</b>")
      .put("payload", new JsonObject().put("note", script).put("html", img)));
    JsonObject doc = machineDoc("evil-box", "<script>window.__pwned=4</script>", "<img src=x onerror=\"window.__pwned=3\">");
    doc.getJsonObject("host").getJsonArray("gpus").getJsonObject(0).put("name", "<svg onload=\"window.__pwned=5\"></svg>");
    doc.getJsonArray("services").getJsonObject(0).put("name", "<b>svc</b>");
    MonitorFixture.await(fx.machines().publishStatus("evil-box", doc, "ready", true));

    b.view("machines");
    b.await(card("evil-box"));
    assertThat(textsIn("evil-box", "[data-testid=machine-host]")).containsExactly("<img src=x onerror=\"window.__pwned=3\">");
    assertThat(textsIn("evil-box", "[data-testid=gpu-name]")).containsExactly("<svg onload=\"window.__pwned=5\"></svg>");
    assertThat(textsIn("evil-box", ".badge-pool")).containsExactly("<script>window.__pwned=4</script>");
    assertThat(attrsIn("evil-box", "[data-testid=service-row]", "service")).containsExactly("<b>svc</b>");
    assertThat(b.findAll("[data-testid=machine-grid] img, [data-testid=machine-grid] svg, [data-testid=machine-grid] b, "
      + "[data-testid=machine-grid] script")).isEmpty();

    b.view("jobs");
    filterCustomer("");
    setValue(b.find("filter-text"), id);
    b.until(d -> "queued".equals(rowStatus(id)), Browser.WAIT, "the job row");
    assertThat((String) b.js("return document.querySelector('[data-testid=job-row][data-job-id=\"' + arguments[0] + '\"]').textContent", id))
      .contains("<b>cust</b>");
    clickRow(id, null);
    WebElement payload = b.await(By.cssSelector("[data-testid=detail-payload]"));
    assertThat(payload.getText()).contains(script).contains("<img src=x onerror=\\\"window.__pwned=2\\\">");
    b.find("drawer-close").click();

    assertThat(b.js("return typeof window.__pwned")).isEqualTo("undefined");
    assertThat(b.js("return document.querySelectorAll('script').length")).isEqualTo(2L);
    assertThat(b.findAll("img[src=x], svg, [data-testid=job-list] b, [data-testid=drawer] script")).isEmpty();
    assertThat(b.js("return window.empMonitor.cspViolations.length")).isEqualTo(0L);
    setValue(b.find("filter-text"), "");
  }

  @Test
  @Order(9)
  @DisplayName("from the page, a send to an address outside the allow-list is refused by the bridge")
  @SuppressWarnings("unchecked")
  void bridgeRefusesOtherAddresses() {
    Map<String, Object> frame = (Map<String, Object>) b.jsAsync("""
      const token = arguments[0], done = arguments[arguments.length - 1];
      const u = new URL('eventbus/websocket', location.href);
      u.protocol = 'ws:';
      const ws = new WebSocket(u);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => ws.send(JSON.stringify({type: 'send', address: 'emp.internal.x', body: {}, headers: {token},
        replyAddress: 'probe-1'}));
      ws.onmessage = m => {
        const f = JSON.parse(typeof m.data === 'string' ? m.data : new TextDecoder().decode(m.data));
        if (f.type === 'err') { ws.close(); done(f); }
      };
      setTimeout(() => done(null), 20000);
      """, T);
    assertThat(frame).isNotNull().containsEntry("type", "err").containsEntry("body", "rejected");

    long before = (Long) b.js("return window.empMonitor.bridge.counters.rejected");
    b.js("window.empMonitor.bridge.sendRaw({type: 'send', address: 'emp.internal.x', body: {}, headers: {token: arguments[0]},"
      + " replyAddress: 'probe-2'})", T);
    b.until(d -> (Long) b.js("return window.empMonitor.bridge.counters.rejected") == before + 1, Browser.WAIT,
      "the page's own socket to get the refusal");
    assertThat(b.find("conn-state").getDomAttribute("data-state")).isEqualTo("live");
  }

  @Test
  @Order(10)
  @DisplayName("a machine that went quiet stays on the page, greyed, with when it was last seen, and can be deleted")
  void offlineMachine() {
    b.view("machines");
    b.until(d -> "offline".equals(d.findElement(card("gone-box")).getDomAttribute("data-status")), LONG, "gone-box offline");
    assertThat(b.driver().findElement(card("gone-box")).getDomAttribute("class")).contains("is-offline");
    assertThat(textsIn("gone-box", "[data-testid=last-seen]").get(0)).matches("last seen .+ ago");
    clickIn("gone-box", "[data-testid=action-delete-machine]");
    b.confirm();
    b.until(d -> d.findElements(card("gone-box")).isEmpty(), Browser.WAIT, "the deleted machine to leave the page");
    JsonArray machines = MonitorFixture.await(fx.machines().machines(""));
    assertThat(machines.stream().map(m -> ((JsonObject) m).getString("id"))).doesNotContain("gone-box");
  }

  @Test
  @Order(11)
  @DisplayName("when the monitor restarts the page says so, reconnects and resyncs to Redis without duplicates")
  @SuppressWarnings("unchecked")
  void resyncAfterMonitorRestart() {
    b.view("jobs");
    b.js("""
      window.__conn = [];
      const el = document.querySelector('[data-testid=conn-state]');
      new MutationObserver(() => window.__conn.push(el.dataset.state)).observe(el, {attributes: true, attributeFilter: ['data-state']});
      window.__banner = [];
      const banner = document.querySelector('[data-testid=stale-banner]');
      new MutationObserver(() => { if (!banner.hidden) window.__banner.push(banner.textContent); })
        .observe(banner, {attributes: true, childList: true, subtree: true, characterData: true});
      """);
    String customer = "resync-" + nonce();
    fx.stopMonitor();
    b.until(d -> "reconnecting".equals(b.find("conn-state").getDomAttribute("data-state"))
      && b.find("conn-state").getText().matches("reconnecting in \\d+ s"), Browser.WAIT, "\"reconnecting in N s\"");
    // what happens while the page cannot hear anything must still be on it after the resync
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(submit(new JsonObject().put("service", "nobody-serves-this").put("customer_id", customer)));
    }
    MonitorFixture.await(fx.store().cancel(ids.get(0)));
    fx.startMonitor();
    b.awaitLive();

    List<String> states = (List<String>) b.js("return window.__conn");
    assertThat(states).contains("reconnecting").endsWith("live");
    assertThat((List<String>) b.js("return window.__banner")).anyMatch(t -> t.contains("showing data as of"));
    assertThat(b.find("stale-banner").isDisplayed()).isFalse();

    filterCustomer(customer);
    b.until(d -> visibleRowIds().size() == 3, Browser.WAIT, "the three jobs made while disconnected");
    assertThat(rowStatus(ids.get(0))).isEqualTo("cancelled");
    assertThat(rowStatus(ids.get(1))).isEqualTo("queued");
    assertThat(rowStatus(ids.get(2))).isEqualTo("queued");

    // every job once, and the counts of the page equal Redis's
    filterCustomer("");
    b.until(d -> pageCountsEqualRedis(), Browser.WAIT, "the page's counts to equal Redis's");
    List<String> rows = visibleRowIds();
    assertThat(rows).doesNotHaveDuplicates();
    long modelJobs = (Long) b.js("return window.empMonitor.model.jobs.size");
    assertThat(b.find("job-footer").getText()).startsWith(modelJobs + " shown");
    long sockets = (Long) b.js("return window.empMonitor.bridge.counters.sockets");
    long registers = (Long) b.js("return window.empMonitor.bridge.counters.registers");
    assertThat(registers).as("each socket registers each of the 4 addresses once").isEqualTo(4 * sockets);

    // a job after the resync appears exactly once
    String after = submit(new JsonObject().put("service", "nobody-serves-this").put("customer_id", customer));
    filterCustomer(customer);
    b.until(d -> visibleRowIds().size() == 4, Browser.WAIT, "the new job");
    assertThat(visibleRowIds()).doesNotHaveDuplicates().contains(after);
    b.view("machines");
    assertThat(b.findAll("[data-testid=machine-card][data-machine-id='" + MonitorFixture.MACHINE + "']")).hasSize(1);
    assertThat(attrsIn(MonitorFixture.MACHINE, "[data-testid=worker-row]", "workerId")).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  @Order(12)
  @DisplayName("a connection that goes silent without closing is shown stale within ~10 s and replaced")
  @SuppressWarnings("unchecked")
  void silentConnection() throws Exception {
    try (FreezableProxy proxy = new FreezableProxy(fx.monitorPort())) {
      b.open("http://127.0.0.1:" + proxy.port() + "/#jobs");
      b.login(T);
      b.awaitLive();
      b.js("""
        window.__conn = [];
        const el = document.querySelector('[data-testid=conn-state]');
        new MutationObserver(() => window.__conn.push(el.dataset.state)).observe(el, {attributes: true, attributeFilter: ['data-state']});
        """);
      long sockets = (Long) b.js("return window.empMonitor.bridge.counters.sockets");
      proxy.freeze();
      b.until(d -> "stale".equals(b.find("conn-state").getDomAttribute("data-state")), Duration.ofSeconds(30), "stale");
      assertThat(b.find("stale-banner").isDisplayed()).isTrue();
      b.until(d -> (Long) b.js("return window.empMonitor.bridge.counters.sockets") > sockets
        && "live".equals(b.find("conn-state").getDomAttribute("data-state")), Duration.ofSeconds(60), "live on a new socket");
      assertThat((List<String>) b.js("return window.__conn")).containsSubsequence("stale", "live");
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static By card(String machine) {
    return By.cssSelector("[data-testid=machine-card][data-machine-id='" + machine + "']");
  }

  // Cards are rebuilt when their machine changes: read and click them in one step (no stale handles).

  @SuppressWarnings("unchecked")
  private static List<String> textsIn(String machine, String css) {
    return (List<String>) b.js("const c = [...document.querySelectorAll('[data-testid=machine-card]')]"
      + ".find(e => e.dataset.machineId === arguments[0]);"
      + " return c ? [...c.querySelectorAll(arguments[1])].map(e => e.textContent) : [];", machine, css);
  }

  @SuppressWarnings("unchecked")
  private static List<String> attrsIn(String machine, String css, String data) {
    return (List<String>) b.js("const c = [...document.querySelectorAll('[data-testid=machine-card]')]"
      + ".find(e => e.dataset.machineId === arguments[0]);"
      + " return c ? [...c.querySelectorAll(arguments[1])].map(e => e.dataset[arguments[2]]) : [];", machine, css, data);
  }

  private static void clickIn(String machine, String css) {
    b.until(d -> {
      d.findElement(card(machine)).findElement(By.cssSelector(css)).click();
      return true;
    }, Browser.WAIT, "a click on " + css + " of " + machine);
  }

  /** Clicks a job row (or a button of it) found by its job id at the moment of the click: rows are reused. */
  private static void clickRow(String id, String buttonTestId) {
    b.js("const r = [...document.querySelectorAll('[data-testid=job-row]')].find(e => e.dataset.jobId === arguments[0] && !e.hidden);"
      + " (arguments[1] ? r.querySelector('[data-testid=' + arguments[1] + ']') : r).click();", id, buttonTestId);
  }

  private static String rowStatus(String id) {
    return (String) b.js("const r = document.querySelector('[data-testid=job-row][data-job-id=\"' + arguments[0] + '\"]');"
      + " return r && !r.hidden ? r.dataset.status : null;", id);
  }

  @SuppressWarnings("unchecked")
  private static List<String> visibleRowIds() {
    return (List<String>) b.js("return [...document.querySelectorAll('[data-testid=job-row]')].filter(r => !r.hidden)"
      + ".map(r => r.dataset.jobId)");
  }

  /** Records every state and progress each job row shows (rows are stable for a short filtered list). */
  private static void recordRows() {
    b.js("""
      window.__seen = {};
      const rec = el => { const id = el.dataset.jobId; if (!id || el.hidden) return;
        (window.__seen[id] ||= []).push([el.dataset.status, Number(el.dataset.progress)]); };
      const list = document.querySelector('[data-testid=job-list]');
      list.querySelectorAll('[data-job-id]').forEach(rec);
      new MutationObserver(ms => { for (const m of ms) if (m.target.dataset && m.target.dataset.jobId) rec(m.target); })
        .observe(list, {subtree: true, attributes: true, attributeFilter: ['data-status', 'data-progress', 'data-job-id']});
      """);
  }

  private static void filterCustomer(String customer) {
    setValue(b.find("filter-customer"), customer);
  }

  /** Sets a field's value as typing would, firing input and change events. */
  private static void setValue(WebElement el, String value) {
    b.js("const el = arguments[0]; el.value = arguments[1];"
      + " el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));", el, value);
  }

  @SuppressWarnings("unchecked")
  private static boolean pageCountsEqualRedis() {
    JsonObject redis = MonitorFixture.await(fx.store().stats()).getJsonObject("statuses");
    Map<String, Object> model = (Map<String, Object>) b.js("""
      const c = {};
      for (const j of window.empMonitor.model.jobs.values()) c[j.status] = (c[j.status] || 0) + 1;
      const tabs = {};
      for (const t of ['all', 'queued', 'running', 'finished', 'failed'])
        tabs[t] = document.querySelector('[data-testid=tab-count-' + t + ']').textContent;
      return {counts: c, tabs};
      """);
    Map<String, Object> counts = (Map<String, Object>) model.get("counts");
    Map<String, Object> tabs = (Map<String, Object>) model.get("tabs");
    for (String status : redis.fieldNames()) {
      long expected = redis.getLong(status);
      long shown = counts.get(status) == null ? 0 : ((Number) counts.get(status)).longValue();
      if (expected != shown) {
        return false;
      }
    }
    long all = redis.stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
    long queued = redis.getLong("queued") + redis.getLong("delayed");
    long running = redis.getLong("assigned") + redis.getLong("running");
    long finished = redis.getLong("completed") + redis.getLong("cancelled");
    return Objects.equals(tabs.get("all"), String.format("%,d", all))
      && Objects.equals(tabs.get("queued"), String.format("%,d", queued))
      && Objects.equals(tabs.get("running"), String.format("%,d", running))
      && Objects.equals(tabs.get("finished"), String.format("%,d", finished))
      && Objects.equals(tabs.get("failed"), String.format("%,d", redis.getLong("failed")));
  }

  private static String submit(JsonObject body) {
    return MonitorFixture.await(fx.store().submit(JobSubmission.fromJson(body, 1 << 20))).id();
  }

  private static Job job(String id) {
    return MonitorFixture.await(fx.store().getJob(id));
  }

  private static String nonce() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /** A supervisor status document (docs/supervisor.md) of a machine with one GPU and one service. */
  static JsonObject machineDoc(String id, String pool, String hostname) {
    return new JsonObject()
      .put("machine_id", id).put("pool", pool).put("phase", "ready").put("supervisor_version", "test")
      .put("uptime_ms", 60_000).put("gpu_count", 1).put("published_at", System.currentTimeMillis())
      .put("host", new JsonObject().put("hostname", hostname).put("cpus", 8)
        .put("ram_total_bytes", 34_359_738_368L).put("ram_available_bytes", 20_000_000_000L)
        .put("gpus", new JsonArray().add(new JsonObject().put("index", 0).put("name", "NVIDIA L4")
          .put("memory_total_mb", 23_034).put("utilization_pct", 40)))
        .put("disks", new JsonArray().add(new JsonObject().put("path", "/var/lib/emp")
          .put("total_bytes", 500_000_000_000L).put("free_bytes", 120_000_000_000L))))
      .put("services", new JsonArray().add(new JsonObject().put("name", "comfyui-gpu0").put("service", "comfyui")
        .put("gpu", 0).put("state", "ready").put("pid", 4242).put("restarts", 0).put("memory_bytes", 2_000_000_000L)))
      .put("workers", new JsonArray());
  }

}
