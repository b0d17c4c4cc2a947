// Service logs in the drawer: the last lines of one service instance, read through the machine's
// command stream (tail_logs), optionally refreshed every 5 s while the panel is open.

import { h, setText } from '../dom.js';
import { time } from '../format.js';
import { drawer } from '../ui.js';

const FOLLOW_MS = 5000;

export class LogsPanel {
  constructor(request) {
    this.request = request;
    this.timer = 0;
    this.inFlight = false;
  }

  open(machine, service) {
    this.machine = machine;
    this.service = service;
    this.lines = h('select', { class: 'input', 'aria-label': 'Lines', 'data-testid': 'logs-lines' },
      [100, 500, 1000, 5000].map(n => h('option', { value: String(n), text: n + ' lines' })));
    this.follow = h('input', { type: 'checkbox', 'data-testid': 'logs-follow' });
    this.status = h('span', { class: 'muted', 'data-testid': 'logs-status' });
    this.pre = h('pre', { class: 'code logs', 'data-testid': 'logs-text' });
    const refresh = h('button', { type: 'button', class: 'btn', text: 'Refresh', 'data-testid': 'logs-refresh', onclick: () => this.load() });
    this.lines.addEventListener('change', () => this.load());
    this.follow.addEventListener('change', () => this.schedule());
    const title = h('span', null, 'Logs ', h('span', { class: 'mono', text: service }), h('span', { class: 'muted', text: ' on ' + machine }));
    drawer.open('logs', title, h('div', { class: 'logs-panel', 'data-testid': 'logs-panel' },
      h('div', { class: 'toolbar' }, this.lines, refresh, h('label', { class: 'check' }, this.follow, ' follow (5 s)'), this.status),
      this.pre), () => this.closed());
    this.load();
  }

  closed() {
    clearTimeout(this.timer);
    this.machine = null;
  }

  schedule() {
    clearTimeout(this.timer);
    if (this.machine && this.follow.checked) this.timer = setTimeout(() => this.load(), FOLLOW_MS);
  }

  async load() {
    if (!this.machine || this.inFlight) return;
    const machine = this.machine;
    const service = this.service;
    this.inFlight = true;
    setText(this.status, 'asking the machine…');
    try {
      const r = await this.request('emp.monitor.command', { op: 'tail_logs', machine, service, lines: Number(this.lines.value) }, 30000);
      if (this.machine !== machine || this.service !== service) return;
      const lines = Array.isArray(r.lines) ? r.lines : [];
      const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 8;
      this.pre.textContent = lines.length ? lines.map(String).join('\n') : '(no output)';
      if (atBottom || !this.loadedOnce) this.pre.scrollTop = this.pre.scrollHeight;
      this.loadedOnce = true;
      setText(this.status, lines.length + ' lines at ' + time(Date.now()));
    } catch (e) {
      if (this.machine !== machine) return;
      setText(this.status, '');
      this.pre.textContent = 'Could not read the logs: ' + (e.describe ? e.describe() : e.message);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}
