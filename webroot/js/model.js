// The page's in-memory model of the broker: jobs, workers, machines and stats. Events change it
// at once; what changed is recorded in dirty sets, and the views read those once per animation
// frame. A job's progress is a field of that job, so coalescing is per job by construction: within
// a frame the newest value of every job is shown, and no job's update hides another's.

import { compareIds } from './format.js';

export const TABS = {
  queued: ['queued', 'delayed'],
  running: ['assigned', 'running'],
  finished: ['completed', 'cancelled'],
  failed: ['failed'],
};
export const STATUSES = ['queued', 'delayed', 'assigned', 'running', 'completed', 'failed', 'cancelled'];
export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
export const ACTIVE = new Set(['assigned', 'running']);
const FINISHED_KEEP = 5000;
const FINISHED_SLACK = 500;

export function tabOf(status) {
  for (const [tab, list] of Object.entries(TABS)) if (list.includes(status)) return tab;
  return 'queued';
}

function num(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function parseJson(text) {
  if (typeof text !== 'string') return text && typeof text === 'object' ? text : null;
  try {
    return JSON.parse(text);
  } catch (e) {
    return null;
  }
}

// What a machine card shows, without the fields every status refresh changes (times, load, memory).
const VOLATILE = new Set(['published_at', 'uptime_ms', 'seq', 'load_1m', 'ram_available_bytes', 'memory_bytes']);

function machineSignature(m) {
  return JSON.stringify([m.status, m.phase, m.pool, m.supervised, m.workerIds, m.doc], (k, v) => (VOLATILE.has(k) ? undefined : v));
}

function workerSignature(w) {
  return JSON.stringify([w.status, w.services, w.jobs, w.connectors, w.pool]);
}

export class Model {
  constructor(onChange) {
    this.onChange = onChange;
    this.jobs = new Map();
    this.workers = new Map();
    this.machines = new Map();
    this.workersByMachine = new Map();
    this.stats = null;
    this.statsAt = 0;
    this.point = null;
    this.lastId = null;
    this.skew = 0;
    this.limits = null;
    this.syncedAt = 0;
    this.finishedCount = 0;
    this.services = new Set();
    this.pools = new Set();
    this.counters = { applied: 0, duplicates: 0, resyncs: 0 };
    this.listeners = { jobEvent: [], commandResult: [] };
    this.resetDirty();
  }

  resetDirty() {
    this.dirty = {
      jobs: new Set(), // any field of these jobs changed
      jobList: false, // membership or order of job lists may have changed
      machines: new Set(), // these machine cards need rebuilding
      machineList: false, // machines added or removed
      stats: false,
      all: false, // a snapshot replaced everything
    };
  }

  /** Takes the accumulated changes (the views render them) and starts a new set. */
  takeDirty() {
    const d = this.dirty;
    this.resetDirty();
    return d;
  }

  now() {
    return Date.now() + this.skew;
  }

  changed() {
    this.onChange();
  }

  // --- snapshot and fleet -------------------------------------------------------------------

  /** Replaces the whole state with a snapshot (docs/monitor.md#state). */
  replace(snap) {
    this.jobs.clear();
    this.workers.clear();
    this.machines.clear();
    this.workersByMachine.clear();
    this.finishedCount = 0;
    this.counters.resyncs++;
    this.lastId = snap.event_id || '0-0';
    this.limits = snap.limits || null;
    if (typeof snap.now === 'number') this.skew = snap.now - Date.now();
    this.syncedAt = Date.now();
    this.setStats(snap.stats, true);
    for (const w of snap.workers || []) this.putWorker(w, this.lastId);
    for (const m of snap.machines || []) this.putMachine(m, this.lastId);
    for (const j of snap.jobs || []) this.putJob(j);
    const d = this.dirty;
    d.all = d.jobList = d.machineList = d.stats = true;
    this.changed();
  }

  /** Machines, workers and presence re-read (presence changes are silences, not events). */
  applyFleet(f) {
    const asOf = f.event_id || '0-0';
    if (typeof f.now === 'number') this.skew = f.now - Date.now();
    this.setStats(f.stats, false);
    const seenMachines = new Set();
    for (const m of f.machines || []) {
      seenMachines.add(m.id);
      const cur = this.machines.get(m.id);
      if (cur && cur.asOf && compareIds(cur.asOf, asOf) > 0) {
        // an event newer than this read already updated it: keep its document, take the presence
        if (cur.status !== m.status) this.dirty.machines.add(m.id);
        cur.status = m.status;
        cur.last_seen = Math.max(num(m.last_seen) || 0, cur.last_seen || 0);
      } else {
        this.putMachine(m, asOf);
      }
    }
    for (const w of f.workers || []) {
      const cur = this.workers.get(w.id);
      if (cur && cur.asOf && compareIds(cur.asOf, asOf) > 0) {
        if (cur.status !== w.status) this.touchMachine(cur.machine);
        cur.status = w.status;
        cur.last_seen = num(w.last_seen);
      } else {
        const fresher = cur && this.lastId && compareIds(this.lastId, asOf) > 0;
        const w2 = this.putWorker(w, asOf);
        // job events applied after this read already moved the worker's held jobs: keep them
        if (fresher) w2.jobs = cur.jobs;
      }
    }
    // a machine deleted while an event was missed: the fleet is authoritative as of its read
    if (this.lastId && compareIds(this.lastId, asOf) <= 0) {
      for (const id of [...this.machines.keys()]) if (!seenMachines.has(id)) this.removeMachine(id);
    }
    this.changed();
  }

  setStats(stats, force) {
    if (!stats || typeof stats !== 'object') return;
    const at = num(stats.now) || 0;
    if (!force && this.stats && at < this.statsAt) return;
    this.stats = stats;
    this.statsAt = at;
    this.dirty.stats = true;
  }

  putWorker(w, asOf) {
    const prev = this.workers.get(w.id);
    const worker = {
      id: w.id,
      machine: w.machine || '',
      status: w.status || 'online',
      services: Array.isArray(w.services) ? w.services : [],
      pool: w.pool || '',
      slots: num(w.slots),
      jobs: Array.isArray(w.jobs) ? [...w.jobs] : [],
      last_seen: num(w.last_seen),
      registered_at: num(w.registered_at),
      connectors: w.connectors && typeof w.connectors === 'object' ? w.connectors : {},
      capabilities: w.capabilities && typeof w.capabilities === 'object' ? w.capabilities : {},
      asOf,
    };
    if (prev && prev.machine !== worker.machine) this.unindexWorker(prev);
    this.workers.set(w.id, worker);
    worker.sig = workerSignature(worker);
    if (!prev || prev.sig !== worker.sig || prev.machine !== worker.machine) this.indexWorker(worker);
    for (const s of worker.services) this.services.add(s);
    if (worker.pool) this.pools.add(worker.pool);
    return worker;
  }

  indexWorker(w) {
    if (!w.machine) return;
    let set = this.workersByMachine.get(w.machine);
    if (!set) this.workersByMachine.set(w.machine, (set = new Set()));
    set.add(w.id);
    if (!this.machines.has(w.machine)) this.placeholderMachine(w.machine);
    this.touchMachine(w.machine);
  }

  unindexWorker(w) {
    const set = this.workersByMachine.get(w.machine);
    if (set) set.delete(w.id);
    this.touchMachine(w.machine);
  }

  placeholderMachine(id) {
    this.machines.set(id, { id, status: 'online', phase: '', pool: '', last_seen: null, registered_at: null,
      supervised: false, doc: {}, workerIds: [], asOf: null, lastCommand: null, lastStep: null });
    this.dirty.machineList = true;
  }

  putMachine(m, asOf) {
    const prev = this.machines.get(m.id);
    const doc = m.doc && typeof m.doc === 'object' ? m.doc : {};
    const machine = {
      id: m.id,
      status: m.status || 'online',
      phase: m.phase || doc.phase || '',
      pool: m.pool || (typeof doc.pool === 'string' ? doc.pool : ''),
      last_seen: num(m.last_seen),
      registered_at: num(m.registered_at),
      supervised: m.supervised !== false && Object.keys(doc).length > 0,
      doc,
      workerIds: (m.workers || []).map(w => (typeof w === 'string' ? w : w && w.id)).filter(Boolean),
      asOf,
      lastCommand: prev ? prev.lastCommand : null,
      lastStep: prev ? prev.lastStep : null,
    };
    machine.sig = machineSignature(machine);
    if (!prev) this.dirty.machineList = true;
    this.machines.set(m.id, machine);
    if (machine.pool) this.pools.add(machine.pool);
    // a periodic re-read changes little: rebuild the card only when something it shows changed
    if (!prev || prev.sig !== machine.sig || prev.lastCommand !== machine.lastCommand) this.dirty.machines.add(m.id);
  }

  removeMachine(id) {
    this.machines.delete(id);
    const set = this.workersByMachine.get(id);
    if (set) for (const wid of set) this.workers.delete(wid);
    this.workersByMachine.delete(id);
    this.dirty.machineList = true;
    this.dirty.machines.add(id);
  }

  touchMachine(id) {
    if (id) this.dirty.machines.add(id);
  }

  /** Worker ids of a machine: its own list and every worker that names it. */
  machineWorkers(id) {
    const m = this.machines.get(id);
    const ids = new Set(m ? m.workerIds : []);
    const set = this.workersByMachine.get(id);
    if (set) for (const w of set) ids.add(w);
    return [...ids].sort();
  }

  putJob(j) {
    const job = { ...j };
    for (const k of ['submitted_at', 'assigned_at', 'started_at', 'finished_at', 'lease_until', 'delayed_until',
      'workflow_datetime', 'progress', 'priority', 'workflow_priority']) {
      if (k in job) job[k] = num(job[k]);
    }
    if (job.progress == null) job.progress = 0;
    const prev = this.jobs.get(job.id);
    if (prev && TERMINAL.has(prev.status)) this.finishedCount--;
    this.jobs.set(job.id, job);
    if (TERMINAL.has(job.status)) this.finishedCount++;
    if (job.service) this.services.add(job.service);
    if (job.pool) this.pools.add(job.pool);
    return job;
  }

  // --- events -------------------------------------------------------------------------------

  /**
   * Applies one bridge event. Stream events are applied in id order, once: an id at or before
   * the last applied one is a duplicate (or was in the snapshot) and is dropped.
   */
  apply(address, e, receivedAt) {
    if (!e || typeof e !== 'object') return;
    if (address === 'emp.events.stats') {
      this.applyStats(e);
      return;
    }
    if (typeof e.id !== 'string') return;
    if (this.lastId && compareIds(e.id, this.lastId) <= 0) {
      this.counters.duplicates++;
      return;
    }
    this.lastId = e.id;
    this.counters.applied++;
    const type = String(e.type || '');
    if (type.startsWith('job.')) this.applyJob(e, receivedAt);
    else if (type.startsWith('worker.')) this.applyWorker(e);
    else if (type.startsWith('machine.')) this.applyMachine(e);
    this.changed();
  }

  applyStats(e) {
    if (typeof e.ts === 'number') this.skew = 0.8 * this.skew + 0.2 * (e.ts - Date.now());
    if (e.stats) this.setStats(e.stats, false);
    this.statsError = e.error || null;
    if (e.point) this.point = e.point;
    this.dirty.stats = true;
    this.changed();
  }

  applyJob(e, receivedAt) {
    const id = e.job;
    if (typeof id !== 'string') return;
    let j = this.jobs.get(id);
    let membership = false;
    if (!j) {
      j = this.putJob({ id, status: e.status || 'queued', service: e.service, priority: e.priority ?? null,
        submitted_at: e.type === 'job.submitted' ? e.ts : null, progress: 0, partial: e.type !== 'job.submitted' });
      membership = true;
    }
    const before = j.status;
    const wasTerminal = TERMINAL.has(before);
    const type = e.type;
    if (wasTerminal && (type === 'job.progress' || type === 'job.running' || type === 'job.assigned')) return;
    const oldWorker = j.worker;
    switch (type) {
      case 'job.submitted':
        j.submitted_at = e.ts;
        if (e.priority != null) j.priority = num(e.priority);
        if (e.pool) j.pool = e.pool;
        if (e.customer) j.customer_id = e.customer;
        j.progress = 0;
        break;
      case 'job.queued':
        j.worker = undefined;
        j.assigned_at = j.started_at = j.finished_at = null;
        j.progress = 0;
        j.message = undefined;
        j.cancel_requested = false;
        if (e.reason === 'retried') j.error = undefined;
        j.queued_reason = e.reason;
        break;
      case 'job.assigned':
        j.worker = e.worker;
        j.assigned_at = e.ts;
        j.started_at = null;
        if (e.attempt != null) j.attempt = num(e.attempt);
        if (e.pool) j.pool = e.pool;
        j.wait_ms = num(e.wait_ms);
        j.progress = 0;
        break;
      case 'job.running':
        j.worker = e.worker || j.worker;
        j.started_at = e.ts;
        j.progress = num(e.progress) ?? j.progress;
        if (e.message) j.message = e.message;
        break;
      case 'job.progress':
        j.progress = num(e.progress) ?? j.progress;
        if (e.message) j.message = e.message;
        break;
      case 'job.completed':
        j.finished_at = e.ts;
        j.progress = 100;
        break;
      case 'job.retry_scheduled':
        j.error = e.error;
        j.delayed_until = num(e.due);
        j.worker = undefined;
        if (e.attempt != null) j.attempt = num(e.attempt) + 1;
        break;
      case 'job.failed':
        j.error = e.error;
        j.fail_reason = e.reason;
        j.finished_at = e.ts;
        break;
      case 'job.cancel_requested':
        j.cancel_requested = true;
        break;
      case 'job.cancelled':
        j.finished_at = e.ts;
        break;
      default:
        break;
    }
    if (e.service) j.service = e.service;
    if (typeof e.status === 'string' && e.status) j.status = e.status;
    if (j.status !== before) {
      membership = true;
      if (TERMINAL.has(j.status) && !wasTerminal) this.finishedCount++;
      if (!TERMINAL.has(j.status) && wasTerminal) this.finishedCount--;
    }
    if (j.service) this.services.add(j.service);
    if (j.pool) this.pools.add(j.pool);
    // the worker's held jobs follow the job's lifecycle
    if (oldWorker && (!ACTIVE.has(j.status) || j.worker !== oldWorker)) this.releaseFromWorker(oldWorker, id);
    if (j.worker && ACTIVE.has(j.status)) this.holdOnWorker(j.worker, id);
    j.rx = receivedAt || performance.now();
    j.ets = e.ts;
    this.dirty.jobs.add(id);
    if (membership) this.dirty.jobList = true;
    if (this.finishedCount > FINISHED_KEEP + FINISHED_SLACK) this.trimFinished();
    for (const fn of this.listeners.jobEvent) fn(e);
  }

  holdOnWorker(wid, jobId) {
    const w = this.workers.get(wid);
    if (!w) return;
    if (!w.jobs.includes(jobId)) {
      w.jobs.push(jobId);
      this.touchMachine(w.machine);
    }
  }

  releaseFromWorker(wid, jobId) {
    const w = this.workers.get(wid);
    if (!w) return;
    const i = w.jobs.indexOf(jobId);
    if (i >= 0) {
      w.jobs.splice(i, 1);
      this.touchMachine(w.machine);
    }
  }

  /** Keeps the newest finished jobs: an operator's tab may stay open for days. */
  trimFinished() {
    const finished = [];
    for (const j of this.jobs.values()) if (TERMINAL.has(j.status)) finished.push(j);
    finished.sort((a, b) => (b.finished_at || 0) - (a.finished_at || 0));
    for (const j of finished.slice(FINISHED_KEEP)) {
      if (j.id === this.pinned) continue;
      this.jobs.delete(j.id);
      this.finishedCount--;
    }
    this.dirty.jobList = true;
  }

  applyWorker(e) {
    const wid = e.worker;
    if (typeof wid !== 'string') return;
    let w = this.workers.get(wid);
    if (!w) w = this.putWorker({ id: wid, machine: e.machine, status: 'online' }, e.id);
    if (e.machine && e.machine !== w.machine) {
      this.unindexWorker(w);
      w.machine = e.machine;
      this.indexWorker(w);
    }
    w.asOf = e.id;
    if (e.type === 'worker.registered') {
      w.status = 'online';
      w.last_seen = e.ts;
      w.registered_at = e.ts;
      w.jobs = [];
    } else if (e.type === 'worker.left') {
      w.status = 'left';
      w.last_seen = e.ts;
      w.jobs = [];
    } else if (e.type === 'worker.updated') {
      if (typeof e.services === 'string') w.services = e.services ? e.services.split(',') : [];
      const c = parseJson(e.connectors);
      if (c && typeof c === 'object') w.connectors = c;
      w.last_seen = e.ts;
      for (const s of w.services) this.services.add(s);
    }
    const m = this.machines.get(w.machine);
    if (m && !m.workerIds.includes(wid)) m.workerIds.push(wid);
    this.touchMachine(w.machine);
  }

  applyMachine(e) {
    const mid = e.machine;
    if (typeof mid !== 'string') return;
    if (e.type === 'machine.deleted') {
      this.removeMachine(mid);
      return;
    }
    let m = this.machines.get(mid);
    if (!m) {
      this.placeholderMachine(mid);
      m = this.machines.get(mid);
    }
    m.asOf = e.id;
    switch (e.type) {
      case 'machine.status': {
        const doc = parseJson(e.doc);
        if (doc && typeof doc === 'object') {
          m.doc = doc;
          m.supervised = true;
          if (typeof doc.pool === 'string' && doc.pool) m.pool = doc.pool;
          if (m.pool) this.pools.add(m.pool);
        }
        if (e.phase) m.phase = e.phase;
        m.status = m.phase === 'stopped' ? 'stopped' : 'online';
        m.last_seen = e.ts;
        break;
      }
      case 'machine.phase':
        m.phase = e.phase || m.phase;
        m.status = m.phase === 'stopped' ? 'stopped' : 'online';
        m.last_seen = e.ts;
        break;
      case 'machine.startup_step':
        m.lastStep = { step: e.step, ts: e.ts, error: e.error, elapsed_ms: num(e.elapsed_ms) };
        break;
      case 'machine.command':
        m.lastCommand = { id: e.command_id, command: e.command, args: parseJson(e.args), ts: e.ts, state: 'queued' };
        break;
      case 'machine.command_result': {
        const result = parseJson(e.result);
        const prev = m.lastCommand && m.lastCommand.id === e.command_id ? m.lastCommand : null;
        m.lastCommand = { id: e.command_id, command: e.command, args: prev ? prev.args : null, ts: e.ts,
          ok: e.ok === 'true' || e.ok === true, state: e.ok === 'true' || e.ok === true ? 'ok' : 'failed', result };
        for (const fn of this.listeners.commandResult) fn(m, m.lastCommand);
        break;
      }
      default:
        break;
    }
    this.dirty.machines.add(mid);
  }
}
