// Job details in the drawer: the job (live from the model), payload, result, routing requirements,
// which workers could run it now and why the others cannot (emp_explain), and its event history —
// the events still in the stream, then live events as they arrive.

import { h, fill, progressBar, setProgress } from '../dom.js';
import { num, duration, dateTime, time, pct, DASH, isNum, compareIds } from '../format.js';
import { TERMINAL } from '../model.js';
import { drawer } from '../ui.js';

const MAX_TEXT = 200000;

export class Details {
  constructor(model, request, actions) {
    this.model = model;
    this.request = request;
    this.actions = actions;
    this.id = null;
    this.loading = false;
    this.buffer = [];
    this.lastEventId = null;
    model.listeners.jobEvent.push(e => this.onJobEvent(e));
  }

  open(id) {
    this.id = id;
    this.model.pinned = id;
    this.summary = h('dl', { class: 'kv', 'data-testid': 'detail-summary' });
    this.bar = progressBar('detail-progress');
    this.actionsEl = h('div', { class: 'detail-actions' });
    this.sections = h('div', { class: 'detail-sections' }, h('p', { class: 'muted', text: 'Loading…' }));
    const title = h('span', null, 'Job ', h('span', { class: 'mono', 'data-testid': 'detail-id', text: id }));
    const body = h('div', { class: 'details', 'data-testid': 'job-details', dataset: { jobId: id } },
      this.actionsEl, this.summary, this.sections);
    drawer.open('job', title, body, () => this.closed());
    this.actions.selectJob(id);
    this.renderSummary();
    this.load();
  }

  closed() {
    this.id = null;
    this.model.pinned = null;
    this.actions.selectJob(null);
  }

  async load() {
    const id = this.id;
    this.loading = true;
    this.buffer = [];
    try {
      const r = await this.request('emp.monitor.snapshot', { kind: 'job', id });
      if (this.id !== id) return;
      this.reply = r;
      this.renderSections(r);
      this.renderSummary();
    } catch (e) {
      if (this.id !== id) return;
      this.sections.replaceChildren(h('p', { class: 'form-error', 'data-testid': 'detail-error',
        text: 'Could not load the job: ' + (e.describe ? e.describe() : e.message) }));
    } finally {
      this.loading = false;
    }
    for (const e of this.buffer) this.appendEvent(e);
    this.buffer = [];
  }

  onJobEvent(e) {
    if (!this.id || e.job !== this.id) return;
    if (this.loading) this.buffer.push(e);
    else this.appendEvent(e);
  }

  render(changes) {
    if (!this.id || !drawer.isOpen('job')) return;
    if (changes.jobs.has(this.id) || changes.all || changes.ui.has('clock')) this.renderSummary();
  }

  job() {
    const live = this.model.jobs.get(this.id);
    const fetched = this.reply && this.reply.job;
    return live ? { ...(fetched || {}), ...live } : fetched || { id: this.id, status: 'unknown' };
  }

  renderSummary() {
    const j = this.job();
    const now = this.model.now();
    const rows = [
      ['status', h('span', { class: 'badge st-' + j.status, 'data-testid': 'detail-status', text: j.status + (j.cancel_requested && !TERMINAL.has(j.status) ? ' (cancel requested)' : '') })],
      ['service', j.service ?? DASH],
      ['pool', j.pool || 'default'],
      ['priority', num(j.priority)],
      ['customer', j.customer_id ?? DASH],
      ['workflow', j.workflow_id ? j.workflow_id + (isNum(j.workflow_priority) ? ' · priority ' + j.workflow_priority : '')
        + (isNum(j.step_number) ? ' · step ' + j.step_number : '') + (isNum(j.workflow_datetime) ? ' · ' + dateTime(j.workflow_datetime) : '') : DASH],
      ['attempt', num(j.attempt) + ' of ' + num(j.max_attempts) + (j.losses ? ' · ' + num(j.losses) + ' lost' : '')],
      ['worker', j.worker ?? DASH],
      ['submitted', dateTime(j.submitted_at)],
      ['assigned', dateTime(j.assigned_at)],
      ['started', dateTime(j.started_at)],
      ['finished', dateTime(j.finished_at)],
      ['wait', duration(isNum(j.wait_ms) ? j.wait_ms : isNum(j.assigned_at) && isNum(j.submitted_at) ? j.assigned_at - j.submitted_at
        : j.status === 'queued' && isNum(j.submitted_at) ? Math.max(0, now - j.submitted_at) : null)],
      ['run', duration(runTime(j, now))],
      ['progress', h('span', { class: 'detail-progress' }, this.bar, ' ', pct(j.status === 'completed' ? 100 : j.progress, 1),
        j.message ? h('span', { class: 'muted', text: ' ' + j.message }) : null)],
    ];
    if (isNum(j.timeout_s)) rows.push(['timeout', duration(j.timeout_s * 1000)]);
    if (isNum(j.delayed_until)) rows.push(['due', dateTime(j.delayed_until)]);
    if (j.error) rows.push(['error', h('span', { class: 'error-text', 'data-testid': 'detail-job-error', text: String(j.error) })]);
    if (j.fail_reason) rows.push(['reason', String(j.fail_reason)]);
    setProgress(this.bar, j.status === 'completed' ? 100 : j.progress);
    this.summary.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', null, v)]));
    const canCancel = !TERMINAL.has(j.status) && j.status !== 'unknown' && !j.cancel_requested;
    const canRetry = j.status === 'failed' || j.status === 'cancelled';
    const key = canCancel + ':' + canRetry;
    if (this.actionsKey !== key) {
      this.actionsKey = key;
      fill(this.actionsEl,
        canCancel ? h('button', { type: 'button', class: 'btn btn-danger', text: 'Cancel job', 'data-testid': 'detail-cancel',
          onclick: () => this.actions.jobCommand('cancel', this.id) }) : null,
        canRetry ? h('button', { type: 'button', class: 'btn btn-primary', text: 'Retry job', 'data-testid': 'detail-retry',
          onclick: () => this.actions.jobCommand('retry', this.id) }) : null,
        h('button', { type: 'button', class: 'btn', text: 'Refresh', title: 'Read the job, its matching workers and its events again',
          onclick: () => this.load() }),
        h('button', { type: 'button', class: 'btn btn-ghost', text: 'Copy id', onclick: () => navigator.clipboard?.writeText(this.id) }));
    }
  }

  renderSections(r) {
    const job = r.job || {};
    const json = v => {
      let text = JSON.stringify(v, null, 2);
      if (text === undefined) text = String(v);
      return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '\n… (' + num(text.length - MAX_TEXT) + ' more characters)' : text;
    };
    const req = r.requirements && Object.keys(r.requirements).length ? r.requirements : null;
    this.eventsBody = h('tbody');
    this.lastEventId = null;
    fill(this.sections,
      section('Payload', h('pre', { class: 'code', 'data-testid': 'detail-payload', text: job.payload === undefined ? '(none)' : json(job.payload) })),
      job.result !== undefined ? section('Result', h('pre', { class: 'code', 'data-testid': 'detail-result', text: json(job.result) })) : null,
      section('Requirements', req ? h('pre', { class: 'code', 'data-testid': 'detail-requirements', text: json(req) })
        : h('p', { class: 'muted', 'data-testid': 'detail-requirements', text: 'None: any worker offering the service' + (job.pool ? ' in pool ' + job.pool : '') + ' may run it.' })),
      section('Workers now', this.explain(r.explain || {})),
      section('Events', h('table', { class: 'compact events', 'data-testid': 'detail-events' },
        h('thead', null, h('tr', null, ['time', 'event', 'status', 'worker', 'progress', 'detail'].map(t => h('th', { text: t })))),
        this.eventsBody)));
    for (const e of r.events || []) this.appendEvent(e);
  }

  explain(x) {
    const workers = Array.isArray(x.workers) ? [...x.workers] : [];
    if (workers.length === 0) return h('p', { class: 'muted', 'data-testid': 'detail-explain', text: 'No live worker is registered.' });
    workers.sort((a, b) => (b.match === true) - (a.match === true) || String(a.id).localeCompare(String(b.id)));
    const matching = workers.filter(w => w.match === true).length;
    return h('div', { 'data-testid': 'detail-explain' },
      h('p', { class: matching ? 'muted' : 'form-error', text: num(matching) + ' of ' + num(workers.length) + ' live workers can run it now.' }),
      h('table', { class: 'compact' },
        h('thead', null, h('tr', null, ['worker', 'machine', 'presence', 'match', 'why not'].map(t => h('th', { text: t })))),
        h('tbody', null, workers.map(w => h('tr', { 'data-testid': 'explain-row', dataset: { match: String(w.match === true) } },
          h('td', { class: 'mono', text: String(w.id ?? DASH) }),
          h('td', { text: String(w.machine ?? DASH) }),
          h('td', { text: String(w.status ?? DASH) }),
          h('td', { class: w.match ? 'ok' : 'bad', text: w.match ? 'yes' : 'no' }),
          h('td', { class: 'muted', text: w.reason ? String(w.reason) : '' }))))));
  }

  appendEvent(e) {
    if (!this.eventsBody || typeof e.id !== 'string') return;
    if (this.lastEventId && compareIds(e.id, this.lastEventId) <= 0) return;
    this.lastEventId = e.id;
    const detail = [e.message, e.error, e.reason, isNum(Number(e.wait_ms)) && e.wait_ms != null ? 'waited ' + duration(Number(e.wait_ms)) : null,
      e.attempt != null ? 'attempt ' + e.attempt : null].filter(Boolean).join(' · ');
    this.eventsBody.append(h('tr', { 'data-testid': 'detail-event', dataset: { type: String(e.type ?? '') } },
      h('td', { class: 'num', title: dateTime(e.ts), text: time(e.ts) }),
      h('td', { text: String(e.type ?? DASH) }),
      h('td', { text: String(e.status ?? '') }),
      h('td', { class: 'mono', text: String(e.worker ?? '') }),
      h('td', { class: 'num', text: e.progress != null ? pct(Number(e.progress)) : '' }),
      h('td', { class: 'muted', text: detail })));
  }
}

function runTime(j, now) {
  const start = j.started_at ?? j.assigned_at;
  if (!isNum(start)) return null;
  if (isNum(j.finished_at)) return j.finished_at - start;
  return TERMINAL.has(j.status) ? null : Math.max(0, now - start);
}

function section(title, body) {
  return h('section', { class: 'detail-section' }, h('h3', { text: title }), body);
}

