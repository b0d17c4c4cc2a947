package io.emp.monitor.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.emp.monitor.MonitorFixture;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The page's model rules, run in the browser on the page's own modules (imported from the monitor):
 * ordering by stream id, duplicates, terminal states, per-job coalescing, unknown entities, fleet
 * re-reads older than applied events, and the reconnect backoff.
 */
class PageModelTest {
  private static MonitorFixture fx;
  private static Browser b;

  @BeforeAll
  static void start() {
    fx = new MonitorFixture().start();
    b = Browser.start();
    b.open(fx.url());
    b.await(org.openqa.selenium.By.cssSelector("[data-testid=login-form]"));
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

  @SuppressWarnings("unchecked")
  private static Map<String, Object> run(String body) {
    return (Map<String, Object>) b.jsAsync("""
      const done = arguments[arguments.length - 1];
      (async () => {
        const { Model } = await import('./js/model.js');
        const { backoffDelay } = await import('./js/bridge.js');
        const m = new Model(() => {});
        const job = (id, status, extra) => Object.assign({ id, status, service: 'simulation', priority: 50, submitted_at: 1 }, extra);
        %s
      })().then(done, e => done({ error: String(e && e.stack || e) }));
      """.formatted(body));
  }

  @Test
  @DisplayName("events at or before the snapshot's id, repeats and older ids are dropped; ids compare as numbers")
  void ordering() {
    Map<String, Object> r = run("""
      m.replace({ event_id: '999-12', jobs: [job('A', 'queued')], workers: [], machines: [] });
      m.apply('emp.events.jobs', { id: '999-12', ts: 999, type: 'job.assigned', job: 'A', status: 'assigned', worker: 'w' });
      m.apply('emp.events.jobs', { id: '1000-0', ts: 1000, type: 'job.assigned', job: 'A', status: 'assigned', worker: 'w' });
      m.apply('emp.events.jobs', { id: '1000-0', ts: 1000, type: 'job.running', job: 'A', status: 'running', worker: 'w' });
      m.apply('emp.events.jobs', { id: '999-13', ts: 999, type: 'job.queued', job: 'A', status: 'queued' });
      return { status: m.jobs.get('A').status, worker: m.jobs.get('A').worker, duplicates: m.counters.duplicates, last: m.lastId };
      """);
    assertThat(r).containsEntry("status", "assigned").containsEntry("worker", "w").containsEntry("duplicates", 3L)
      .containsEntry("last", "1000-0");
  }

  @Test
  @DisplayName("a finished job stays finished: later progress does not move it back")
  void terminalStates() {
    Map<String, Object> r = run("""
      m.replace({ event_id: '1-0', jobs: [job('A', 'running', { worker: 'w', progress: 40 })], workers: [], machines: [] });
      m.apply('emp.events.jobs', { id: '2-0', ts: 2, type: 'job.completed', job: 'A', status: 'completed', worker: 'w' });
      m.apply('emp.events.jobs', { id: '3-0', ts: 3, type: 'job.progress', job: 'A', status: 'running', progress: 50 });
      const a = m.jobs.get('A');
      return { status: a.status, progress: a.progress, finished: a.finished_at };
      """);
    assertThat(r).containsEntry("status", "completed").containsEntry("progress", 100L).containsEntry("finished", 2L);
  }

  @Test
  @DisplayName("progress is coalesced per job: interleaved updates of parallel jobs each end at their last value")
  void perJobCoalescing() {
    Map<String, Object> r = run("""
      m.replace({ event_id: '1-0', jobs: [job('B', 'running'), job('C', 'running')], workers: [], machines: [] });
      m.takeDirty();
      for (let i = 1; i <= 50; i++) {
        m.apply('emp.events.jobs', { id: '2-' + (2 * i), ts: 2, type: 'job.progress', job: 'B', status: 'running', progress: i });
        m.apply('emp.events.jobs', { id: '2-' + (2 * i + 1), ts: 2, type: 'job.progress', job: 'C', status: 'running', progress: 100 - i });
      }
      const d = m.takeDirty();
      return { b: m.jobs.get('B').progress, c: m.jobs.get('C').progress, dirty: [...d.jobs].sort().join(','), list: d.jobList };
      """);
    assertThat(r).containsEntry("b", 50L).containsEntry("c", 50L).containsEntry("dirty", "B,C").containsEntry("list", false);
  }

  @Test
  @DisplayName("events about unknown jobs, workers and machines create them instead of being dropped")
  void unknownEntities() {
    Map<String, Object> r = run("""
      m.replace({ event_id: '1-0', jobs: [], workers: [], machines: [] });
      m.apply('emp.events.jobs', { id: '2-0', ts: 2, type: 'job.progress', job: 'X', status: 'running', service: 's', worker: 'w1', progress: 30 });
      m.apply('emp.events.workers', { id: '3-0', ts: 3, type: 'worker.registered', worker: 'w1', machine: 'm1' });
      m.apply('emp.events.machines', { id: '4-0', ts: 4, type: 'machine.status', machine: 'm2', phase: 'ready',
        doc: JSON.stringify({ machine_id: 'm2', pool: 'fast', host: { gpus: [{ index: 0, name: 'L4' }] } }) });
      return { job: m.jobs.get('X').status + ':' + m.jobs.get('X').progress, workers: m.machineWorkers('m1').join(','),
        m2: m.machines.get('m2').pool + ':' + m.machines.get('m2').status + ':' + m.machines.get('m2').doc.host.gpus[0].name };
      """);
    assertThat(r).containsEntry("job", "running:30").containsEntry("workers", "w1").containsEntry("m2", "fast:online:L4");
  }

  @Test
  @DisplayName("a fleet re-read older than an applied event keeps the newer document and takes the presence")
  void fleetOlderThanEvents() {
    Map<String, Object> r = run("""
      const doc = v => ({ machine_id: 'm', pool: 'p', services: [{ name: 'svc', state: 'ready', restarts: v }] });
      m.replace({ event_id: '10-0', jobs: [], workers: [], machines: [{ id: 'm', status: 'online', phase: 'ready', doc: doc(0), workers: [] }] });
      m.apply('emp.events.machines', { id: '20-0', ts: 20, type: 'machine.status', machine: 'm', phase: 'ready', doc: JSON.stringify(doc(1)) });
      m.applyFleet({ event_id: '15-0', machines: [{ id: 'm', status: 'stale', phase: 'ready', last_seen: 19, doc: doc(0), workers: [] }], workers: [] });
      const a = m.machines.get('m');
      m.apply('emp.events.machines', { id: '21-0', ts: 21, type: 'machine.deleted', machine: 'm' });
      return { restarts: a.doc.services[0].restarts, status: a.status, deleted: !m.machines.has('m') };
      """);
    assertThat(r).containsEntry("restarts", 1L).containsEntry("status", "stale").containsEntry("deleted", true);
  }

  @Test
  @DisplayName("reconnect backoff: 0.5 s doubling to 15 s, with ±20 % jitter")
  void backoff() {
    Map<String, Object> r = run("""
      const lo = a => backoffDelay(a, () => 0), hi = a => backoffDelay(a, () => 0.999999);
      return { first: [lo(1), hi(1)].join('-'), second: [lo(2), hi(2)].join('-'), capped: [lo(12), hi(12)].join('-') };
      """);
    assertThat(r).containsEntry("first", "400-600").containsEntry("second", "800-1200").containsEntry("capped", "12000-15000");
  }
}
