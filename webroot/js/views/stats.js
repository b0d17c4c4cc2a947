// Stats: uPlot charts of the monitor's history over a selectable window, kept current with the
// point each stats tick carries. A bucket without data is null and drawn as a gap: nothing here is
// interpolated or invented (queue depth and worker counts do not exist before the monitor started).

import { h, setText } from '../dom.js';
import { num, duration, time } from '../format.js';

export const WINDOWS = [[300, '5 min'], [3600, '1 h'], [86400, '24 h']];

const CHARTS = [
  { key: 'throughput', title: 'Throughput', unit: 'jobs/min' },
  { key: 'wait', title: 'Wait time (claimable → assigned)', unit: 's' },
  { key: 'queue', title: 'Queue depth per pool', unit: 'jobs' },
  { key: 'util', title: 'Worker utilisation (busy / online)', unit: '%' },
  { key: 'failures', title: 'Failure rate (failed / finished)', unit: '%' },
];

function color(i) {
  const v = getComputedStyle(document.documentElement).getPropertyValue('--c' + ((i % 6) + 1)).trim();
  return v || ['#4c8dff', '#e5534b', '#57ab5a', '#c69026', '#986ee2', '#39c5cf'][i % 6];
}

function timeLabel(s) {
  if (s == null) return '';
  const d = new Date(s * 1000);
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0')
    + (d.getSeconds() ? ':' + String(d.getSeconds()).padStart(2, '0') : '');
}

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export class StatsView {
  constructor(root, model, request) {
    this.root = root;
    this.model = model;
    this.request = request;
    this.windowS = 3600;
    this.points = null;
    this.stepMs = null;
    this.baseStep = null;
    this.lastTickT = null;
    this.charts = {};
    this.loading = false;
    this.loadedAt = 0;
    this.build();
  }

  build() {
    this.windowButtons = WINDOWS.map(([s, label]) => {
      const b = h('button', { type: 'button', class: 'tab', text: label, 'data-testid': 'stats-window-' + s, dataset: { window: String(s) } });
      b.addEventListener('click', () => this.setWindow(s));
      return b;
    });
    this.status = h('span', { class: 'muted', 'data-testid': 'stats-status' });
    this.error = h('p', { class: 'form-error', hidden: true, 'data-testid': 'stats-error' });
    this.boxes = {};
    const grid = h('div', { class: 'chart-grid' }, CHARTS.map(c => {
      const plot = h('div', { class: 'chart-plot', 'data-testid': 'chart-' + c.key });
      const latest = h('span', { class: 'chart-latest muted' });
      this.boxes[c.key] = { plot, latest };
      return h('section', { class: 'card chart' }, h('header', { class: 'chart-head' }, h('h3', { text: c.title }), latest), plot);
    }));
    this.root.append(h('div', { class: 'toolbar' }, h('div', { class: 'tabs' }, this.windowButtons), this.status),
      h('p', { class: 'muted small', text: 'From the monitor\'s history: counts and wait times come from the event stream (backfilled at start); queue depth and workers are sampled while the monitor runs, so earlier buckets are empty (gaps). Updated live from the stats ticks.' }),
      this.error, grid);
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(grid);
    this.markWindow();
  }

  visible() {
    return !this.root.hidden;
  }

  setWindow(s) {
    this.windowS = s;
    this.markWindow();
    this.points = null;
    this.load();
  }

  markWindow() {
    for (const b of this.windowButtons) {
      const on = Number(b.dataset.window) === this.windowS;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', String(on));
    }
  }

  /** Reload after a resync: the history of a new monitor process may differ. */
  invalidate() {
    this.points = null;
    if (this.visible()) this.load();
  }

  async load() {
    if (this.loading) return;
    this.loading = true;
    const windowS = this.windowS;
    try {
      const r = await this.request('emp.monitor.snapshot', { kind: 'history', window_s: windowS });
      if (windowS !== this.windowS) return;
      this.points = Array.isArray(r.points) ? r.points : [];
      this.stepMs = r.step_ms;
      this.loadedAt = Date.now();
      this.error.hidden = true;
      this.draw();
    } catch (e) {
      this.error.hidden = false;
      setText(this.error, 'Could not read the history: ' + (e.describe ? e.describe() : e.message));
    } finally {
      this.loading = false;
    }
  }

  render(changes) {
    const point = this.model.point;
    if (changes.stats && point && point !== this.seenPoint) {
      this.seenPoint = point;
      this.learnStep(point.t);
      if (this.points) this.merge(point);
    }
    if (!this.visible()) return;
    if (changes.ui.has('view:stats') && (!this.points || Date.now() - this.loadedAt > 60000)) this.load();
    else if (changes.ui.has('view:stats')) this.draw();
    if (this.points && this.grouped() && Date.now() - this.loadedAt > Math.max(15000, this.stepMs / 2)) this.load();
    if (this.dirtyDraw) this.draw();
  }

  learnStep(t) {
    if (typeof t !== 'number') return;
    if (this.lastTickT != null && t > this.lastTickT) {
      const d = t - this.lastTickT;
      this.baseStep = this.baseStep == null ? d : Math.min(this.baseStep, d);
    }
    this.lastTickT = t;
  }

  grouped() {
    return this.baseStep == null || this.stepMs !== this.baseStep;
  }

  /** Puts a tick's point into the series: the current bucket is replaced, a new one appended. */
  merge(p) {
    if (this.grouped() || typeof p.t !== 'number') return;
    const pts = this.points;
    const last = pts[pts.length - 1];
    if (last && p.t === last.t) {
      pts[pts.length - 1] = p;
    } else if (!last || p.t > last.t) {
      if (last) {
        for (let t = last.t + this.stepMs; t < p.t; t += this.stepMs) pts.push({ t, missing: true });
      }
      pts.push(p);
      const from = p.t - this.windowS * 1000;
      while (pts.length && pts[0].t <= from) pts.shift();
    } else {
      return;
    }
    this.dirtyDraw = true;
  }

  series() {
    const pts = this.points || [];
    const x = pts.map(p => p.t / 1000);
    const perMin = k => pts.map(p => (typeof p[k] === 'number' && this.stepMs ? (p[k] * 60000) / this.stepMs : null));
    const secs = k => pts.map(p => (typeof p[k] === 'number' ? p[k] / 1000 : null));
    const pools = new Set();
    for (const p of pts) if (p.queued && typeof p.queued === 'object') for (const k of Object.keys(p.queued)) pools.add(k);
    const poolList = [...pools].sort();
    return {
      throughput: { x, series: [['completed', perMin('completed')], ['failed', perMin('failed')], ['submitted', perMin('submitted')]] },
      wait: { x, series: [['wait p50', secs('wait_p50_ms')], ['wait p95', secs('wait_p95_ms')], ['run p50', secs('run_p50_ms')]] },
      queue: { x, series: poolList.length ? poolList.map(pool => [pool, pts.map(p => (p.queued && typeof p.queued === 'object' ? p.queued[pool] ?? 0 : null))])
        : [['(no queue sampled)', pts.map(p => (p.queued && typeof p.queued === 'object' ? 0 : null))]] },
      util: { x, series: [['utilisation', pts.map(p => (typeof p.workers_online === 'number' && p.workers_online > 0 && typeof p.workers_busy === 'number'
        ? (100 * p.workers_busy) / p.workers_online : null))]] },
      failures: { x, series: [['failure rate', pts.map(p => {
        const done = (p.completed || 0) + (p.failed || 0);
        return typeof p.completed === 'number' && done > 0 ? (100 * (p.failed || 0)) / done : null;
      })]] },
    };
  }

  draw() {
    this.dirtyDraw = false;
    if (!this.visible() || !this.points) return;
    if (typeof window.uPlot !== 'function') {
      this.error.hidden = false;
      setText(this.error, 'The chart library (uPlot) did not load.');
      return;
    }
    const data = this.series();
    for (const c of CHARTS) this.drawChart(c, data[c.key]);
    const n = this.points.length;
    setText(this.status, 'step ' + duration(this.stepMs) + ' · ' + num(n) + ' points · updated ' + time(Date.now()));
  }

  drawChart(c, d) {
    const box = this.boxes[c.key];
    const names = d.series.map(s => s[0]).join('\u0000');
    const values = [d.x, ...d.series.map(s => s[1])];
    let chart = this.charts[c.key];
    if (chart && chart.names !== names) {
      chart.u.destroy();
      chart = null;
    }
    if (!chart) {
      const width = Math.max(300, box.plot.clientWidth || 500);
      const axis = { stroke: cssVar('--muted', '#8b94a3'), grid: { stroke: cssVar('--grid', '#2a2f37'), width: 1 }, ticks: { stroke: cssVar('--grid', '#2a2f37') } };
      const opts = {
        width,
        height: 190,
        cursor: { drag: { x: true, y: false } },
        legend: { live: true },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max ?? 1, c.unit === '%' ? 100 : 1)] } },
        axes: [{ ...axis, space: 70, values: (u, splits) => splits.map(timeLabel) }, { ...axis, label: c.unit, size: 56 }],
        series: [{ value: (u, v) => (v == null ? '—' : time(v * 1000)) }, ...d.series.map((s, i) => ({ label: s[0], stroke: color(i), width: 1.5, spanGaps: false,
          points: { show: c.key === 'wait' || c.key === 'failures', size: 4, fill: color(i) },
          value: (u, v) => (v == null ? '—' : num(v, 2)) }))],
      };
      box.plot.replaceChildren();
      chart = { u: new window.uPlot(opts, values, box.plot), names };
      this.charts[c.key] = chart;
    } else {
      chart.u.setData(values);
    }
    const lastVals = d.series.map(s => {
      for (let i = s[1].length - 1; i >= 0; i--) if (s[1][i] != null) return s[0] + ' ' + num(s[1][i], 1);
      return s[0] + ' —';
    });
    setText(box.latest, lastVals.join(' · '));
  }

  fit() {
    for (const c of CHARTS) {
      const chart = this.charts[c.key];
      const w = this.boxes[c.key].plot.clientWidth;
      if (chart && w > 0 && Math.abs(chart.u.width - w) > 4) chart.u.setSize({ width: w, height: 190 });
    }
  }
}
