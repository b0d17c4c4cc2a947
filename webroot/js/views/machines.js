// Machine cards: identity, presence and phase, GPUs, disks, services with their actions, workers
// with their current job and its progress. A card is rebuilt only when its machine or one of its
// workers changed; progress of a worker's job is patched in place (bar width and figure).

import { h, setText, setData, progressBar, setProgress } from '../dom.js';
import { num, duration, ago, bytes, megabytes, pct, shortId, plural, DASH } from '../format.js';
import { perf } from '../perf.js';

const SERVICE_OK = new Set(['ready']);
const SERVICE_BAD = new Set(['failed', 'crashloop', 'backoff']);

export class MachinesView {
  constructor(root, model, actions) {
    this.root = root;
    this.model = model;
    this.actions = actions;
    this.cards = new Map();
    this.workerRows = new Map();
    this.pending = new Set();
    this.pendingList = true;
    this.filter = { text: '', pool: '', status: '' };
    this.build();
  }

  build() {
    this.search = h('input', { type: 'search', class: 'input', placeholder: 'Filter machines (id, pool, host)',
      'data-testid': 'machine-filter', 'aria-label': 'Filter machines' });
    this.poolSel = h('select', { class: 'input', 'aria-label': 'Pool', 'data-testid': 'machine-pool' });
    this.statusSel = h('select', { class: 'input', 'aria-label': 'Presence', 'data-testid': 'machine-status' },
      ['', 'online', 'stale', 'offline', 'stopped'].map(s => h('option', { value: s, text: s || 'any presence' })));
    this.summary = h('span', { class: 'muted summary', 'data-testid': 'machine-summary' });
    const onFilter = () => {
      this.filter = { text: this.search.value.trim().toLowerCase(), pool: this.poolSel.value, status: this.statusSel.value };
      this.pendingList = true;
      this.actions.invalidate('machines-filter');
    };
    this.search.addEventListener('input', onFilter);
    this.poolSel.addEventListener('change', onFilter);
    this.statusSel.addEventListener('change', onFilter);
    this.grid = h('div', { class: 'machine-grid', 'data-testid': 'machine-grid' });
    this.empty = h('p', { class: 'empty', text: 'No machine has reported yet. Machines appear here when their supervisor publishes a status, or when a worker registers.', hidden: true });
    this.grid.addEventListener('click', e => this.onClick(e));
    this.root.append(h('div', { class: 'toolbar' }, this.search, this.poolSel, this.statusSel, this.summary),
      this.empty, this.grid);
  }

  visible() {
    return !this.root.hidden;
  }

  render(changes) {
    const all = changes.all;
    for (const id of changes.machines) this.pending.add(id);
    if (all || changes.machineList) this.pendingList = true;
    if (all) for (const id of this.model.machines.keys()) this.pending.add(id);
    if (!this.visible()) return;
    const shown = changes.ui.has('view:machines');
    if (this.pendingList || changes.ui.has('machines-filter')) this.renderList();
    for (const id of this.pending) this.renderCard(id);
    this.pending.clear();
    if (changes.ui.has('clock')) this.renderClock();
    if (shown || all) {
      for (const [wid, row] of this.workerRows) this.patchWorker(wid, row, false);
      if (shown) this.renderClock();
    } else {
      this.patchProgress(changes.jobs);
    }
  }

  renderList() {
    this.pendingList = false;
    const m = this.model;
    const pools = [...new Set([...m.machines.values()].map(x => x.pool).filter(Boolean))].sort();
    const poolKey = pools.join('\u0000');
    if (this.poolKey !== poolKey) {
      this.poolKey = poolKey;
      const cur = this.poolSel.value;
      this.poolSel.replaceChildren(h('option', { value: '', text: 'any pool' }), ...pools.map(p => h('option', { value: p, text: p })));
      this.poolSel.value = pools.includes(cur) ? cur : '';
    }
    for (const id of [...this.cards.keys()]) {
      if (!m.machines.has(id)) {
        this.cards.get(id).root.remove();
        this.cards.delete(id);
      }
    }
    const ids = [...m.machines.keys()].sort();
    const counts = { online: 0, stale: 0, offline: 0, stopped: 0 };
    const order = [];
    for (const id of ids) {
      const machine = m.machines.get(id);
      counts[machine.status] = (counts[machine.status] || 0) + 1;
      if (!this.cards.has(id)) this.renderCard(id);
      if (this.matches(machine)) order.push(this.cards.get(id).root);
    }
    // re-append in order only when the order changed
    const current = [...this.grid.children];
    if (current.length !== order.length || current.some((el, i) => el !== order[i])) this.grid.replaceChildren(...order);
    this.empty.hidden = ids.length > 0;
    const parts = [plural(ids.length, 'machine'), num(counts.online) + ' online'];
    for (const k of ['stale', 'offline', 'stopped']) if (counts[k]) parts.push(num(counts[k]) + ' ' + k);
    if (order.length !== ids.length) parts.push(num(order.length) + ' shown');
    setText(this.summary, parts.join(' · '));
  }

  matches(machine) {
    const f = this.filter;
    if (f.pool && machine.pool !== f.pool) return false;
    if (f.status && machine.status !== f.status) return false;
    if (f.text) {
      const host = machine.doc && machine.doc.host && machine.doc.host.hostname;
      const hay = (machine.id + ' ' + (machine.pool || '') + ' ' + (host || '')).toLowerCase();
      if (!hay.includes(f.text)) return false;
    }
    return true;
  }

  renderCard(id) {
    const machine = this.model.machines.get(id);
    let card = this.cards.get(id);
    if (!machine) return;
    if (!card) {
      const root = h('article', { class: 'card machine', 'data-testid': 'machine-card', dataset: { machineId: id } });
      card = { root, workers: [] };
      this.cards.set(id, card);
      this.pendingList = true;
    }
    for (const wid of card.workers) this.workerRows.delete(wid);
    card.workers = [];
    const root = card.root;
    setData(root, 'status', machine.status);
    root.classList.toggle('is-offline', machine.status !== 'online');
    root.replaceChildren(...this.cardContent(machine, card).filter(Boolean));
  }

  cardContent(m, card) {
    const doc = m.doc || {};
    const host = doc.host && typeof doc.host === 'object' ? doc.host : {};
    const actions = h('div', { class: 'card-actions' },
      m.supervised && m.status === 'online'
        ? [btn('Restart', 'restart_machine', 'Drain, stop everything and bootstrap the machine again'),
          btn('Drain', 'drain', 'Stop claiming, let running jobs finish, stop the services')]
        : null,
      m.status !== 'online' ? btn('Delete', 'delete_machine', 'Remove this machine from the registry', 'btn-danger') : null);
    const badges = h('div', { class: 'badges' },
      h('span', { class: 'badge presence-' + m.status, 'data-testid': 'machine-presence', text: m.status }),
      m.phase ? h('span', { class: 'badge phase-' + m.phase, 'data-testid': 'machine-phase', text: m.phase }) : null,
      h('span', { class: 'badge badge-pool', title: 'pool', text: m.pool || 'default' }),
      m.supervised ? null : h('span', { class: 'badge', title: 'no supervisor status document: known from its workers', text: 'unsupervised' }));
    const head = h('header', { class: 'card-head' },
      h('h3', { class: 'machine-id', 'data-testid': 'machine-id', text: m.id }), badges, actions);
    const metaParts = [];
    if (host.hostname) metaParts.push(h('span', { 'data-testid': 'machine-host', title: 'host name', text: String(host.hostname) }));
    if (host.cpus) metaParts.push(h('span', { text: num(host.cpus) + ' CPU' }));
    if (host.ram_total_bytes) metaParts.push(h('span', { title: 'RAM available / total', text: bytes(host.ram_available_bytes) + ' / ' + bytes(host.ram_total_bytes) + ' RAM' }));
    if (typeof host.load_1m === 'number') metaParts.push(h('span', { title: 'load average (1 min)', text: 'load ' + host.load_1m.toFixed(2) }));
    if (typeof doc.uptime_ms === 'number') metaParts.push(h('span', { title: 'supervisor uptime when it last reported', text: 'up ' + duration(doc.uptime_ms) }));
    if (doc.supervisor_version) metaParts.push(h('span', { class: 'muted', text: 'supervisor ' + doc.supervisor_version }));
    const lastSeen = h('span', { class: 'last-seen', 'data-testid': 'last-seen', hidden: m.status === 'online' });
    card.lastSeen = lastSeen;
    this.updateLastSeen(m, lastSeen);
    const meta = h('div', { class: 'card-meta' }, metaParts, lastSeen);
    return [head, meta, this.gpus(host), this.disks(host), this.services(m, doc), this.workers(m, card), this.footer(m)];
  }

  gpus(host) {
    const gpus = Array.isArray(host.gpus) ? host.gpus : [];
    if (gpus.length === 0) return null;
    return h('div', { class: 'section gpus', 'data-testid': 'gpus' }, gpus.map(g => {
      const util = typeof g.utilization_pct === 'number' ? g.utilization_pct : null;
      const bar = progressBar();
      setProgress(bar, util ?? 0);
      bar.classList.toggle('is-empty', util == null);
      return h('div', { class: 'gpu', 'data-testid': 'gpu' },
        h('span', { class: 'gpu-idx', text: 'GPU' + (g.index ?? '') }),
        h('span', { class: 'gpu-name', 'data-testid': 'gpu-name', text: g.name == null ? DASH : String(g.name) }),
        h('span', { class: 'gpu-mem', title: 'VRAM', text: megabytes(g.memory_total_mb) }),
        bar, h('span', { class: 'gpu-util', title: 'utilisation', text: pct(util) }));
    }));
  }

  disks(host) {
    const disks = Array.isArray(host.disks) ? host.disks : [];
    if (disks.length === 0) return null;
    return h('div', { class: 'section disks' }, disks.map(d => {
      const used = d.total_bytes > 0 ? 100 * (1 - d.free_bytes / d.total_bytes) : null;
      const bar = progressBar();
      setProgress(bar, used ?? 0);
      bar.classList.toggle('warn', used != null && used > 90);
      return h('div', { class: 'disk', title: String(d.path ?? '') },
        h('span', { class: 'disk-path', text: String(d.path ?? DASH) }), bar,
        h('span', { class: 'disk-free', text: bytes(d.free_bytes) + ' free of ' + bytes(d.total_bytes) }));
    }));
  }

  services(m, doc) {
    const list = Array.isArray(doc.services) ? doc.services : [];
    if (list.length === 0) return null;
    const online = m.status === 'online';
    const rows = list.map(s => {
      const state = String(s.state ?? 'unknown');
      const stopped = state === 'stopped' || state === 'crashloop' || state === 'failed';
      return h('tr', { 'data-testid': 'service-row', dataset: { service: String(s.name ?? ''), state } },
        h('td', { class: 'svc-name', text: String(s.name ?? DASH) }),
        h('td', null, h('span', { class: 'badge svc-' + (SERVICE_OK.has(state) ? 'ok' : SERVICE_BAD.has(state) ? 'bad' : 'mid'),
          'data-testid': 'service-state', text: state })),
        h('td', { class: 'num', 'data-testid': 'service-restarts', title: 'restarts', text: num(s.restarts) }),
        h('td', { class: 'num muted', title: 'pid', text: s.pid == null ? DASH : String(s.pid) }),
        h('td', { class: 'num muted', title: 'memory', text: bytes(s.memory_bytes) }),
        h('td', { class: 'row-actions' },
          online ? btn('Restart', 'restart_service', 'Restart ' + s.name, null, s.name) : null,
          online ? (stopped ? btn('Start', 'start_service', 'Start ' + s.name, null, s.name)
            : btn('Stop', 'stop_service', 'Stop ' + s.name, null, s.name)) : null,
          online ? btn('Logs', 'logs', 'Show the last lines of ' + s.name, null, s.name) : null));
    });
    return h('table', { class: 'section services compact', 'data-testid': 'services' },
      h('thead', null, h('tr', null, ['service', 'state', 'restarts', 'pid', 'mem', ''].map(t => h('th', { text: t })))),
      h('tbody', null, rows));
  }

  workers(m, card) {
    const ids = this.model.machineWorkers(m.id);
    if (ids.length === 0) return h('div', { class: 'section muted', text: m.phase === 'starting' ? 'Starting workers…' : 'No workers' });
    const rows = ids.map(wid => {
      const w = this.model.workers.get(wid) || { id: wid, status: 'unknown', jobs: [], services: [], connectors: {} };
      const jobLink = h('button', { type: 'button', class: 'link job-link', 'data-testid': 'worker-job', dataset: { action: 'job' } });
      const bar = progressBar('worker-progress');
      const pctEl = h('span', { class: 'pct' });
      const connectors = Object.entries(w.connectors || {}).map(([name, c]) => {
        const st = c && typeof c === 'object' ? String(c.status ?? 'unknown') : 'unknown';
        return h('span', { class: 'badge conn-' + (st === 'up' ? 'ok' : 'bad'), title: 'connector ' + name, text: name + ' ' + st });
      });
      const row = h('div', { class: 'worker', 'data-testid': 'worker-row', dataset: { workerId: wid, status: w.status } },
        h('span', { class: 'dot dot-' + w.status, title: w.status }),
        h('span', { class: 'worker-id', text: wid }),
        h('span', { class: 'worker-conn' }, connectors.length ? connectors : (w.services || []).map(s => h('span', { class: 'badge', text: s }))),
        h('span', { class: 'worker-job' }, jobLink, bar, pctEl));
      const r = { row, jobLink, bar, pctEl, jobId: null };
      this.workerRows.set(wid, r);
      card.workers.push(wid);
      this.patchWorker(wid, r, false);
      return row;
    });
    return h('div', { class: 'section workers', 'data-testid': 'workers' }, rows);
  }

  /** Shows the worker's current job and its progress (the newest value the model holds). */
  patchWorker(wid, r, changed) {
    const w = this.model.workers.get(wid);
    const jobs = w ? w.jobs : [];
    const jobId = jobs.length ? jobs[0] : null;
    const job = jobId ? this.model.jobs.get(jobId) : null;
    r.jobId = jobId;
    setData(r.row, 'jobId', jobId);
    setData(r.row, 'busy', jobId ? 'true' : 'false');
    r.jobLink.hidden = !jobId;
    r.bar.hidden = !jobId;
    r.pctEl.hidden = !jobId;
    if (!jobId) return;
    setText(r.jobLink, shortId(jobId) + (jobs.length > 1 ? ' +' + (jobs.length - 1) : ''));
    r.jobLink.title = jobId + (job && job.message ? ' — ' + job.message : '');
    r.jobLink.dataset.job = jobId;
    const p = job ? job.progress : 0;
    setProgress(r.bar, p);
    setData(r.row, 'progress', Math.round(p * 100) / 100);
    setText(r.pctEl, pct(p));
    if (job && changed) perf.recordShown(job.rx, job.ets, performance.now());
  }

  patchProgress(jobIds) {
    for (const id of jobIds) {
      const job = this.model.jobs.get(id);
      if (!job || !job.worker) continue;
      const r = this.workerRows.get(job.worker);
      if (r && r.jobId === id) this.patchWorker(job.worker, r, true);
    }
  }

  footer(m) {
    const parts = [];
    const c = m.lastCommand;
    if (c) {
      const detail = c.state === 'failed' && c.result && typeof c.result === 'object' && c.result.error ? ': ' + c.result.error : '';
      parts.push(h('span', { class: 'cmd cmd-' + c.state, 'data-testid': 'machine-command', dataset: { state: c.state } },
        String(c.command ?? 'command') + (c.args && c.args.service ? ' ' + c.args.service : '') + ' — ' + c.state + detail));
    }
    const s = m.lastStep;
    if (s && (m.phase === 'starting' || s.error)) {
      parts.push(h('span', { class: s.error ? 'cmd cmd-failed' : 'cmd' }, 'startup: ' + String(s.step ?? '') + (s.error ? ' — ' + s.error : '')));
    }
    return parts.length ? h('footer', { class: 'card-foot' }, parts) : null;
  }

  updateLastSeen(m, el) {
    el.hidden = m.status === 'online';
    if (!el.hidden) setText(el, 'last seen ' + ago(m.last_seen, this.model.now()));
  }

  renderClock() {
    for (const [id, card] of this.cards) {
      const m = this.model.machines.get(id);
      if (m && m.status !== 'online' && card.lastSeen) this.updateLastSeen(m, card.lastSeen);
    }
  }

  onClick(e) {
    const b = e.target.closest('button[data-action]');
    if (!b) return;
    const card = b.closest('[data-machine-id]');
    if (!card) return;
    const machine = card.dataset.machineId;
    const action = b.dataset.action;
    if (action === 'job') this.actions.openJob(b.dataset.job);
    else if (action === 'logs') this.actions.openLogs(machine, b.dataset.service);
    else this.actions.machineCommand(action, machine, b.dataset.service);
  }
}

function btn(text, action, title, cls, service) {
  return h('button', { type: 'button', class: 'btn btn-sm ' + (cls || ''), text, title,
    'data-testid': 'action-' + action.replace(/_/g, '-'), dataset: { action, service: service == null ? null : String(service) } });
}
