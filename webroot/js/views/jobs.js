// Jobs: tabs with exact counts (from emp_stats), filters, and a virtualised list. Only the rows in
// view exist in the DOM; a row is refilled when its job changed, so thousands of jobs with hundreds
// of them reporting progress cost the same as the few dozen rows on screen.

import { h, setText, setData, progressBar, setProgress } from '../dom.js';
import { num, duration, time, shortId, pct, DASH, isNum } from '../format.js';
import { TABS, STATUSES, TERMINAL } from '../model.js';
import { perf } from '../perf.js';

export const ROW_HEIGHT = 30;
const OVERSCAN = 8;
const TAB_ORDER = ['all', 'queued', 'running', 'finished', 'failed'];
const CANCELLABLE = new Set(['queued', 'delayed', 'assigned', 'running']);
const RETRYABLE = new Set(['failed', 'cancelled']);

const COMPARE = {
  all: (a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  // dispatch order: effective priority, then workflow time or submission time, oldest first
  queued: (a, b) => {
    const pa = a.workflow_priority ?? a.priority ?? 50;
    const pb = b.workflow_priority ?? b.priority ?? 50;
    if (pa !== pb) return pb - pa;
    const ta = a.workflow_datetime ?? a.submitted_at ?? 0;
    const tb = b.workflow_datetime ?? b.submitted_at ?? 0;
    return ta !== tb ? ta - tb : (a.id < b.id ? -1 : 1);
  },
  running: (a, b) => (b.assigned_at || 0) - (a.assigned_at || 0) || (a.id < b.id ? 1 : -1),
  finished: (a, b) => (b.finished_at || 0) - (a.finished_at || 0) || (a.id < b.id ? 1 : -1),
};
COMPARE.failed = COMPARE.finished;

export class JobsView {
  constructor(root, model, actions) {
    this.root = root;
    this.model = model;
    this.actions = actions;
    this.tab = 'all';
    this.filter = { service: '', pool: '', status: '', customer: '', text: '' };
    this.items = [];
    this.rows = [];
    this.visibleRows = new Map();
    this.listDirty = true;
    this.selected = null;
    this.lastRebuild = 0;
    this.build();
  }

  build() {
    this.tabButtons = {};
    this.tabCounts = {};
    const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Job lists' }, TAB_ORDER.map(t => {
      const count = h('span', { class: 'count', 'data-testid': 'tab-count-' + t, text: '—' });
      const b = h('button', { type: 'button', role: 'tab', class: 'tab', 'data-testid': 'tab-' + t, dataset: { tab: t },
        title: t === 'all' ? 'every loaded job' : TABS[t].join(' + ') }, t, ' ', count);
      b.addEventListener('click', () => this.setTab(t));
      this.tabButtons[t] = b;
      this.tabCounts[t] = count;
      return b;
    }));
    const f = (el, key, ev) => {
      el.addEventListener(ev, () => {
        this.filter[key] = el.value.trim();
        this.listDirty = true;
        this.actions.invalidate('jobs-filter');
      });
      return el;
    };
    this.serviceSel = f(h('select', { class: 'input', 'aria-label': 'Service', 'data-testid': 'filter-service' }), 'service', 'change');
    this.poolSel = f(h('select', { class: 'input', 'aria-label': 'Pool', 'data-testid': 'filter-pool' }), 'pool', 'change');
    this.statusSel = f(h('select', { class: 'input', 'aria-label': 'Status', 'data-testid': 'filter-status' }), 'status', 'change');
    this.customer = f(h('input', { type: 'search', class: 'input', placeholder: 'customer', 'aria-label': 'Customer',
      'data-testid': 'filter-customer' }), 'customer', 'input');
    this.text = f(h('input', { type: 'search', class: 'input input-wide', placeholder: 'Search id, worker, workflow, error…  ( / )',
      'aria-label': 'Search jobs', 'data-testid': 'filter-text', id: 'job-search' }), 'text', 'input');
    const clear = h('button', { type: 'button', class: 'btn btn-ghost', text: 'Clear', title: 'Clear the filters', onclick: () => this.clearFilters() });
    this.head = h('div', { class: 'jrow jhead' }, ['status', 'job', 'service', 'pool', 'prio#', 'customer', 'worker',
      'progress', 'wait#', 'run#', 'when#', ''].map(t => h('span', { class: t.endsWith('#') ? 'num' : null, text: t.replace('#', '') })));
    this.spacer = h('div', { class: 'vlist-spacer' });
    this.list = h('div', { class: 'vlist', 'data-testid': 'job-list', tabindex: '0' }, this.spacer);
    this.empty = h('p', { class: 'empty', 'data-testid': 'job-empty', hidden: true });
    this.footer = h('div', { class: 'list-foot muted', 'data-testid': 'job-footer' });
    this.list.addEventListener('scroll', () => this.actions.invalidate('jobs-scroll'), { passive: true });
    this.list.addEventListener('click', e => this.onClick(e));
    new ResizeObserver(() => this.actions.invalidate('jobs-scroll')).observe(this.list);
    this.root.append(h('div', { class: 'toolbar' }, tabs),
      h('div', { class: 'toolbar filters' }, this.serviceSel, this.poolSel, this.statusSel, this.customer, this.text, clear),
      h('div', { class: 'jtable' }, this.head, this.list, this.empty), this.footer);
    this.fillSelects(true);
    this.setTab('all');
  }

  visible() {
    return !this.root.hidden;
  }

  setTab(tab) {
    this.tab = tab;
    for (const [t, b] of Object.entries(this.tabButtons)) {
      b.classList.toggle('active', t === tab);
      b.setAttribute('aria-selected', String(t === tab));
    }
    const statuses = tab === 'all' ? STATUSES : TABS[tab];
    const cur = this.statusSel.value;
    this.statusSel.replaceChildren(h('option', { value: '', text: 'any status' }), ...statuses.map(s => h('option', { value: s, text: s })));
    this.statusSel.value = statuses.includes(cur) ? cur : '';
    this.filter.status = this.statusSel.value;
    this.listDirty = true;
    this.list.scrollTop = 0;
    this.actions.invalidate('jobs-tab');
  }

  clearFilters() {
    for (const el of [this.serviceSel, this.poolSel, this.statusSel, this.customer, this.text]) el.value = '';
    this.filter = { service: '', pool: '', status: '', customer: '', text: '' };
    this.listDirty = true;
    this.actions.invalidate('jobs-filter');
  }

  /** Shows only jobs whose customer, text or status match (used by links from other views). */
  focus(filter) {
    if (filter.tab) this.setTab(filter.tab);
    if (filter.customer != null) this.customer.value = this.filter.customer = filter.customer;
    if (filter.text != null) this.text.value = this.filter.text = filter.text;
    this.listDirty = true;
  }

  fillSelects(force) {
    const m = this.model;
    const key = m.services.size + ':' + m.pools.size;
    if (!force && key === this.selectKey) return;
    this.selectKey = key;
    const fill = (sel, values, label) => {
      const cur = sel.value;
      const sorted = [...values].sort();
      sel.replaceChildren(h('option', { value: '', text: label }), ...sorted.map(v => h('option', { value: v, text: v })));
      sel.value = sorted.includes(cur) ? cur : '';
    };
    fill(this.serviceSel, m.services, 'any service');
    fill(this.poolSel, m.pools, 'any pool');
  }

  render(changes) {
    if (changes.jobList || changes.all) this.listDirty = true;
    if (changes.stats || changes.all) this.renderCounts();
    if (!this.visible()) return;
    const ui = changes.ui;
    this.fillSelects(false);
    const now = performance.now();
    // a very long list is re-sorted at most every 150 ms; rows still update every frame
    if (this.listDirty && (this.items.length < 5000 || now - this.lastRebuild > 150 || ui.size > 0)) {
      this.rebuild();
      this.renderWindow(changes.jobs, true);
    } else if (ui.has('jobs-scroll') || ui.has('view:jobs')) {
      this.renderWindow(changes.jobs, ui.has('view:jobs'));
    } else {
      for (const id of changes.jobs) {
        const row = this.visibleRows.get(id);
        if (row) this.fill(row, this.model.jobs.get(id), true);
      }
    }
    if (this.listDirty) this.actions.invalidate();
    if (ui.has('clock')) this.tickTimes();
  }

  renderCounts() {
    const st = (this.model.stats && this.model.stats.statuses) || {};
    const known = STATUSES.some(s => typeof st[s] === 'number');
    const count = list => (known ? list.reduce((a, s) => a + (st[s] || 0), 0) : null);
    for (const t of TAB_ORDER) setText(this.tabCounts[t], num(count(t === 'all' ? STATUSES : TABS[t])));
    this.renderFooter();
  }

  matches(j) {
    const f = this.filter;
    if (f.service && j.service !== f.service) return false;
    if (f.pool && (j.pool || '') !== f.pool) return false;
    if (f.status && j.status !== f.status) return false;
    if (f.customer && !String(j.customer_id ?? '').toLowerCase().includes(f.customer.toLowerCase())) return false;
    if (f.text) {
      const q = f.text.toLowerCase();
      const hay = [j.id, j.service, j.pool, j.customer_id, j.worker, j.workflow_id, j.error, j.status]
        .filter(Boolean).join(' ').toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  }

  rebuild() {
    this.listDirty = false;
    this.lastRebuild = performance.now();
    const statuses = this.tab === 'all' ? null : new Set(TABS[this.tab]);
    const out = [];
    for (const j of this.model.jobs.values()) {
      if (statuses && !statuses.has(j.status)) continue;
      if (this.matches(j)) out.push(j);
    }
    out.sort(COMPARE[this.tab]);
    this.items = out.map(j => j.id);
    this.spacer.style.height = this.items.length * ROW_HEIGHT + 'px';
    this.empty.hidden = this.items.length > 0;
    if (!this.empty.hidden) {
      setText(this.empty, this.model.jobs.size === 0 ? 'No jobs loaded yet.' : 'No loaded job matches this tab and these filters.');
    }
    this.renderFooter();
  }

  renderFooter() {
    const st = (this.model.stats && this.model.stats.statuses) || {};
    const statuses = this.tab === 'all' ? STATUSES : TABS[this.tab];
    let loaded = 0;
    for (const j of this.model.jobs.values()) if (statuses.includes(j.status)) loaded++;
    const exact = statuses.reduce((a, s) => a + (st[s] || 0), 0);
    const parts = [num(this.items.length) + ' shown', num(loaded) + ' loaded in this tab'];
    if (exact > loaded) parts.push(num(exact - loaded) + ' older not loaded (a snapshot holds the newest ' + (this.model.limits ? num(this.model.limits.active) + ' per active and ' + num(this.model.limits.finished) + ' per finished status' : 'jobs') + ')');
    setText(this.footer, parts.join(' · '));
  }

  /** Places the rows of the scrolled-to window; a row keeps its job while it stays in view. */
  renderWindow(dirty, force) {
    const height = this.list.clientHeight || 600;
    const top = this.list.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.items.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const size = Math.max(1, Math.ceil(height / ROW_HEIGHT) + 2 * OVERSCAN + 1);
    while (this.rows.length < size) {
      const row = this.makeRow();
      this.rows.push(row);
      this.spacer.append(row.el);
    }
    this.visibleRows.clear();
    const used = new Set();
    for (let i = first; i < last; i++) {
      const row = this.rows[i % this.rows.length];
      used.add(row);
      const id = this.items[i];
      const job = this.model.jobs.get(id);
      if (row.index !== i) {
        row.index = i;
        row.el.style.transform = 'translateY(' + i * ROW_HEIGHT + 'px)';
      }
      row.el.hidden = false;
      if (force || row.jobId !== id || (dirty && dirty.has(id))) this.fill(row, job, dirty && dirty.has(id));
      this.visibleRows.set(id, row);
    }
    for (const row of this.rows) {
      if (!used.has(row) && !row.el.hidden) {
        row.el.hidden = true;
        row.jobId = null;
        row.index = -1;
      }
    }
  }

  makeRow() {
    const c = cls => h('span', { class: cls });
    const cells = {
      status: h('span', { class: 'badge', 'data-testid': 'job-status' }),
      id: h('span', { class: 'mono', 'data-testid': 'job-id' }),
      service: c('c-service'),
      pool: c('c-pool'),
      prio: c('num'),
      customer: c('c-customer'),
      worker: c('c-worker mono'),
      bar: progressBar('job-progress'),
      pct: c('pct'),
      msg: c('msg muted'),
      wait: c('num'),
      run: c('num'),
      when: c('num muted'),
      cancel: h('button', { type: 'button', class: 'btn btn-xs', text: 'Cancel', 'data-testid': 'job-cancel', dataset: { action: 'cancel' } }),
      retry: h('button', { type: 'button', class: 'btn btn-xs', text: 'Retry', 'data-testid': 'job-retry', dataset: { action: 'retry' } }),
    };
    const el = h('div', { class: 'jrow', 'data-testid': 'job-row', role: 'row' },
      h('span', null, cells.status), cells.id, cells.service, cells.pool, cells.prio, cells.customer, cells.worker,
      h('span', { class: 'c-progress' }, cells.bar, cells.pct, cells.msg), cells.wait, cells.run, cells.when,
      h('span', { class: 'c-actions' }, cells.cancel, cells.retry));
    return { el, cells, jobId: null, index: -1 };
  }

  fill(row, j, changed) {
    if (!j) return;
    const c = row.cells;
    row.jobId = j.id;
    setData(row.el, 'jobId', j.id);
    setData(row.el, 'status', j.status);
    row.el.classList.toggle('selected', j.id === this.selected);
    setText(c.status, j.status + (j.cancel_requested && !TERMINAL.has(j.status) ? ' (cancelling)' : ''));
    c.status.className = 'badge st-' + j.status;
    setText(c.id, shortId(j.id));
    c.id.title = j.id;
    setText(c.service, j.service ?? DASH);
    setText(c.pool, j.pool || 'default');
    setText(c.prio, isNum(j.workflow_priority) ? j.workflow_priority + ' wf' : num(j.priority));
    setText(c.customer, j.customer_id ?? DASH);
    c.customer.title = j.customer_id ?? '';
    setText(c.worker, j.worker ? j.worker : DASH);
    c.worker.title = j.worker ?? '';
    const p = j.status === 'completed' ? 100 : j.progress;
    setProgress(c.bar, p);
    setData(row.el, 'progress', Math.round((p || 0) * 100) / 100);
    setText(c.pct, pct(p));
    const note = j.status === 'failed' || j.status === 'delayed' ? j.error : j.message;
    setText(c.msg, note ?? '');
    c.msg.title = note ?? '';
    this.fillTimes(row, j);
    c.cancel.hidden = !CANCELLABLE.has(j.status) || j.cancel_requested === true;
    c.retry.hidden = !RETRYABLE.has(j.status);
    if (changed) perf.recordShown(j.rx, j.ets, performance.now());
  }

  fillTimes(row, j) {
    const now = this.model.now();
    const c = row.cells;
    let wait = null;
    if (isNum(j.wait_ms)) wait = j.wait_ms;
    else if (isNum(j.assigned_at) && isNum(j.submitted_at)) wait = j.assigned_at - j.submitted_at;
    else if ((j.status === 'queued') && isNum(j.submitted_at)) wait = Math.max(0, now - j.submitted_at);
    setText(c.wait, duration(wait));
    const start = j.started_at ?? j.assigned_at;
    let run = null;
    if (isNum(start)) run = isNum(j.finished_at) ? j.finished_at - start : TERMINAL.has(j.status) ? null : Math.max(0, now - start);
    setText(c.run, duration(run));
    let when = j.submitted_at;
    if (TERMINAL.has(j.status) && isNum(j.finished_at)) when = j.finished_at;
    if (j.status === 'delayed' && isNum(j.delayed_until)) {
      setText(c.when, 'due ' + time(j.delayed_until));
    } else {
      setText(c.when, time(when));
    }
  }

  tickTimes() {
    for (const [id, row] of this.visibleRows) {
      const j = this.model.jobs.get(id);
      if (j && !TERMINAL.has(j.status)) this.fillTimes(row, j);
    }
  }

  select(id) {
    this.selected = id;
    for (const [jid, row] of this.visibleRows) row.el.classList.toggle('selected', jid === id);
  }

  onClick(e) {
    const rowEl = e.target.closest('[data-job-id]');
    if (!rowEl) return;
    const id = rowEl.dataset.jobId;
    const b = e.target.closest('button[data-action]');
    if (b) {
      e.stopPropagation();
      this.actions.jobCommand(b.dataset.action, id);
      return;
    }
    this.actions.openJob(id);
  }
}
