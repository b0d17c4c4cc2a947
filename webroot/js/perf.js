// Page performance probes, read by the scale test and the benchmark: frame intervals
// (requestAnimationFrame deltas), long tasks (PerformanceObserver), the time our own render pass
// takes, and event→DOM latency (from the frame that received a job event to the frame that showed it).

function summary(values) {
  if (values.length === 0) return { n: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const s = Float64Array.from(values).sort();
  const at = q => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const sum = s.reduce((a, b) => a + b, 0);
  const r = v => Math.round(v * 10) / 10;
  return { n: s.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(s[s.length - 1]), mean: r(sum / s.length) };
}

class Perf {
  constructor() {
    this.running = false;
    this.reset();
  }

  reset() {
    this.frames = [];
    this.work = [];
    this.latency = [];
    this.e2e = [];
    this.longTasks = [];
    this.parse = [];
    this.loaf = [];
    this.fleet = [];
    this.events = 0;
    this.startedAt = performance.now();
  }

  start() {
    this.reset();
    this.running = true;
    let last = performance.now();
    const loop = t => {
      if (!this.running) return;
      this.frames.push(t - last);
      last = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(t => {
      last = t;
      requestAnimationFrame(loop);
    });
    try {
      this.observer = new PerformanceObserver(list => {
        for (const e of list.getEntries()) this.longTasks.push(e.duration);
      });
      this.observer.observe({ type: 'longtask', buffered: false });
    } catch (e) {
      this.observer = null;
    }
    // Long Animation Frames (Chromium): where the time of each frame over 50 ms went
    try {
      this.loafObserver = new PerformanceObserver(list => {
        for (const e of list.getEntries()) {
          const end = e.startTime + e.duration;
          const scripts = (e.scripts || []).reduce((a, s) => a + s.duration, 0);
          this.loaf.push({ duration: e.duration, scripts, styleLayout: e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0 });
        }
      });
      this.loafObserver.observe({ type: 'long-animation-frame', buffered: false });
    } catch (e) {
      this.loafObserver = null;
    }
    return true;
  }

  stop() {
    this.running = false;
    if (this.observer) this.observer.disconnect();
    if (this.loafObserver) this.loafObserver.disconnect();
    const sum = k => Math.round(this.loaf.reduce((a, x) => a + x[k], 0));
    const seconds = (performance.now() - this.startedAt) / 1000;
    return {
      seconds: Math.round(seconds * 10) / 10,
      frames: summary(this.frames),
      fps: Math.round((this.frames.length / seconds) * 10) / 10,
      renderWork: summary(this.work),
      longTasks: { count: this.longTasks.length, totalMs: Math.round(this.longTasks.reduce((a, b) => a + b, 0)),
        max: this.longTasks.length ? Math.round(Math.max(...this.longTasks)) : 0 },
      longFrames: { count: this.loaf.length, totalMs: sum('duration'), scriptMs: sum('scripts'), styleLayoutMs: sum('styleLayout') },
      eventToDom: summary(this.latency),
      largeFrameParse: summary(this.parse),
      fleetApply: summary(this.fleet),
      streamToDom: summary(this.e2e),
      events: this.events,
      eventsPerSecond: Math.round(this.events / seconds),
    };
  }

  recordWork(ms) {
    if (this.running) this.work.push(ms);
  }

  /** JSON.parse time of a frame over 64 KiB (snapshots, fleet re-reads). */
  recordParse(ms) {
    if (this.running) this.parse.push(ms);
  }

  /** Time to apply a fleet re-read to the model. */
  recordFleet(ms) {
    if (this.running) this.fleet.push(ms);
  }

  recordEvent() {
    if (this.running) this.events++;
  }

  /** A job change became visible: rx = performance.now() at receipt, ets = stream time (epoch ms). */
  recordShown(rx, ets, now) {
    if (!this.running) return;
    if (typeof rx === 'number') this.latency.push(now - rx);
    if (typeof ets === 'number') this.e2e.push(Date.now() - ets);
  }
}

export const perf = new Perf();
