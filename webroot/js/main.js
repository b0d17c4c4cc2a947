// The operator page of the monitor role (docs/monitor.md#the-page). Wires the bridge, the model,
// the frame scheduler and the views; owns login, view switching and keyboard shortcuts.

import { Bridge, SNAPSHOT, COMMAND } from './bridge.js';
import { Model } from './model.js';
import { Scheduler } from './scheduler.js';
import { perf } from './perf.js';
import { toast, confirmDialog, drawer } from './ui.js';
import { Header } from './views/header.js';
import { MachinesView } from './views/machines.js';
import { JobsView } from './views/jobs.js';
import { Details } from './views/details.js';
import { LogsPanel } from './views/logs.js';
import { SubmitView } from './views/submit.js';
import { StatsView } from './views/stats.js';
import { shortId } from './format.js';

const TOKEN_KEY = 'emp.monitor.token';
const THEME_KEY = 'emp.monitor.theme';
const FLEET_REFRESH_MS = 15000;
const VIEWS = ['machines', 'jobs', 'submit', 'stats'];

const cspViolations = [];
document.addEventListener('securitypolicyviolation', e => cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '')));

let bridge = null;
let syncing = false;
let buffer = [];
const myCommands = new Set();

const model = new Model(() => scheduler.invalidate());
const scheduler = new Scheduler(model);

function request(address, body, timeoutMs) {
  return bridge ? bridge.request(address, body, timeoutMs) : Promise.reject(new Error('not connected'));
}

function describe(e) {
  return e && e.describe ? e.describe() : String(e && e.message ? e.message : e);
}

const actions = {
  invalidate: flag => scheduler.invalidate(flag),
  openJob: id => {
    if (id) details.open(id);
  },
  selectJob: id => jobs.select(id),
  openLogs: (machine, service) => logs.open(machine, service),
  showJobs: (ids, job) => {
    showView('jobs');
    jobs.clearFilters();
    jobs.focus({ tab: 'all', customer: job && job.customer_id ? job.customer_id : null });
    scheduler.invalidate('jobs-filter');
  },
  async jobCommand(op, id) {
    if (op === 'cancel' && !(await confirmDialog('Cancel job ' + shortId(id) + '?',
      'A queued job is cancelled at once; a running job is interrupted by its worker.', 'Cancel job'))) return;
    try {
      const r = await request(COMMAND, { op, id });
      toast(op + ' ' + shortId(id) + ': ' + r.status, 'ok');
    } catch (e) {
      toast(op + ' ' + shortId(id) + ' refused: ' + describe(e), 'error');
    }
  },
  async machineCommand(op, machine, service) {
    const what = service ? service + ' on ' + machine : machine;
    const texts = {
      restart_service: ['Restart ' + what + '?', 'The service is stopped (SIGTERM, then SIGKILL after its grace) and started again.'],
      stop_service: ['Stop ' + what + '?', 'It stays stopped until started again.'],
      start_service: ['Start ' + what + '?', null],
      restart_machine: ['Restart machine ' + machine + '?', 'The machine drains (running jobs finish), stops every service and bootstraps again.'],
      drain: ['Drain machine ' + machine + '?', 'Workers stop claiming; running jobs finish; then every service stops.'],
      delete_machine: ['Delete machine ' + machine + '?', 'It is removed from the registry with its idle workers. It comes back if it reports again.'],
    };
    const [title, detail] = texts[op] || [op + ' ' + what + '?', null];
    if (!(await confirmDialog(title, detail, op === 'start_service' ? 'Start' : 'Confirm', op !== 'start_service'))) return;
    const body = { op, machine };
    if (service) body.service = service;
    try {
      const r = await request(COMMAND, body);
      if (r.command_id) myCommands.add(r.command_id);
      toast(op.replace(/_/g, ' ') + ' ' + what + ': ' + (r.deleted ? 'deleted' : r.status || 'done'), 'ok');
    } catch (e) {
      toast(op.replace(/_/g, ' ') + ' ' + what + ' refused: ' + describe(e), 'error');
    }
  },
};

const header = new Header(model, () => bridge);
const machines = new MachinesView(document.getElementById('view-machines'), model, actions);
const jobs = new JobsView(document.getElementById('view-jobs'), model, actions);
const submit = new SubmitView(document.getElementById('view-submit'), model, request, actions);
const stats = new StatsView(document.getElementById('view-stats'), model, request);
const details = new Details(model, request, actions);
const logs = new LogsPanel(request);
for (const v of [header, machines, jobs, stats, details]) scheduler.add(changes => v.render(changes));

model.listeners.commandResult.push((m, c) => {
  if (!myCommands.has(c.id)) return;
  myCommands.delete(c.id);
  const err = c.result && typeof c.result === 'object' && c.result.error ? ': ' + c.result.error : '';
  toast(String(c.command) + ' on ' + m.id + ' ' + (c.ok ? 'done' : 'failed' + err), c.ok ? 'ok' : 'error');
});

// --- connection and sync ---------------------------------------------------------------------

function wsUrl() {
  const u = new URL('eventbus/websocket', location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

function connect(token) {
  if (bridge) bridge.stop();
  syncing = false;
  buffer = [];
  bridge = new Bridge(wsUrl(), token, {
    onState: () => scheduler.invalidate('conn'),
    onOpen: seq => resync(seq),
    onEvent: (address, body, rx) => {
      perf.recordEvent();
      if (syncing) buffer.push([address, body, rx]);
      else model.apply(address, body, rx);
    },
    onAuthFailed: message => {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(message);
    },
    onRejected: (count, frame) => {
      console.warn('monitor: a frame was refused by the bridge', frame);
      scheduler.invalidate('conn');
    },
  });
  bridge.start();
}

/** Subscribed first (the bridge registered), events buffered, then the snapshot, then the buffer. */
async function resync(seq) {
  syncing = true;
  buffer = [];
  try {
    const snap = await request(SNAPSHOT, { kind: 'state' }, 30000);
    if (!bridge || bridge.seq !== seq) return;
    model.replace(snap);
    for (const [address, body, rx] of buffer) model.apply(address, body, rx);
    buffer = [];
    syncing = false;
    bridge.markLive();
    stats.invalidate();
    if (details.id) details.load();
  } catch (e) {
    if (!bridge || bridge.seq !== seq) return;
    if (e.status === 401 || e.status === 403) {
      bridge.fail('The monitor refused the operator token (' + describe(e) + ').');
    } else {
      console.warn('monitor: snapshot failed', e);
      bridge.reconnect('snapshot failed: ' + describe(e));
    }
  }
}

setInterval(async () => {
  if (!bridge || bridge.state !== 'live') return;
  const seq = bridge.seq;
  try {
    const fleet = await request(SNAPSHOT, { kind: 'fleet' }, 20000);
    if (bridge && bridge.seq === seq && !syncing) {
      const t0 = performance.now();
      model.applyFleet(fleet);
      perf.recordFleet(performance.now() - t0);
    }
  } catch (e) {
    // the watchdog reports a dead connection; a refused read changes nothing shown
  }
}, FLEET_REFRESH_MS);

setInterval(() => scheduler.invalidate('clock'), 1000);

// --- login -----------------------------------------------------------------------------------

function showLogin(message) {
  if (bridge) bridge.stop();
  bridge = null;
  drawer.close();
  model.replace({ event_id: '0-0', machines: [], workers: [], jobs: [] });
  model.syncedAt = 0;
  document.getElementById('app').hidden = true;
  document.getElementById('login').hidden = false;
  const err = document.getElementById('login-error');
  err.hidden = !message;
  err.textContent = message || '';
  const input = document.getElementById('login-token');
  input.value = '';
  input.focus();
}

function showApp(token) {
  document.getElementById('login').hidden = true;
  document.getElementById('app').hidden = false;
  showView(viewFromHash());
  connect(token);
}

document.getElementById('login-form').addEventListener('submit', e => {
  e.preventDefault();
  const token = document.getElementById('login-token').value;
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  showApp(token);
});

document.getElementById('signout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin('');
});

// --- views, theme, keyboard ------------------------------------------------------------------

function viewFromHash() {
  const v = location.hash.replace(/^#/, '');
  return VIEWS.includes(v) ? v : 'machines';
}

let current = null;

function showView(name) {
  for (const v of VIEWS) {
    document.getElementById('view-' + v).hidden = v !== name;
    const b = document.querySelector('[data-view="' + v + '"]');
    b.classList.toggle('active', v === name);
    b.setAttribute('aria-selected', String(v === name));
  }
  if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
  if (current !== name) document.querySelector('.main').scrollTop = 0;
  current = name;
  if (name === 'submit') submit.show();
  scheduler.invalidate('view:' + name);
}

for (const b of document.querySelectorAll('[data-view]')) b.addEventListener('click', () => showView(b.dataset.view));
window.addEventListener('hashchange', () => showView(viewFromHash()));

function applyTheme(theme) {
  const t = theme || localStorage.getItem(THEME_KEY) || (matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
  document.documentElement.dataset.theme = t;
}

document.getElementById('theme').addEventListener('click', () => {
  const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
  stats.charts && Object.values(stats.charts).forEach(c => c.u.destroy());
  stats.charts = {};
  stats.draw();
});

document.addEventListener('keydown', e => {
  const typing = e.target.closest('input, textarea, select, [contenteditable]');
  if (e.key === 'Escape') {
    if (!document.getElementById('modal').hidden) return;
    if (drawer.owner) drawer.close();
    return;
  }
  if (typing || e.ctrlKey || e.metaKey || e.altKey || document.getElementById('app').hidden) return;
  const i = ['1', '2', '3', '4'].indexOf(e.key);
  if (i >= 0) {
    showView(VIEWS[i]);
    e.preventDefault();
  } else if (e.key === '/') {
    showView('jobs');
    document.getElementById('job-search').focus();
    e.preventDefault();
  }
});

// read-only handles for the browser tests and the benchmark
window.empMonitor = {
  model,
  perf,
  scheduler,
  cspViolations,
  views: { machines, jobs, stats, details },
  get bridge() {
    return bridge;
  },
};

applyTheme();
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) showApp(saved);
else showLogin('');
