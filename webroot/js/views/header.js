// Header: the connection state as it really is, totals, and the queue depth of each pool.

import { h, setText, setData } from '../dom.js';
import { num, duration, time } from '../format.js';

export class Header {
  constructor(model, bridgeRef) {
    this.model = model;
    this.bridgeRef = bridgeRef;
    this.conn = document.getElementById('conn');
    this.connText = document.getElementById('conn-text');
    this.banner = document.getElementById('banner');
    this.totals = document.getElementById('totals');
    this.pools = document.getElementById('pools');
    this.cells = {};
    for (const [key, label] of [['machines', 'machines'], ['workers', 'workers busy'], ['queued', 'queued'],
      ['running', 'running'], ['completed', 'completed'], ['failed', 'failed'], ['cancelled', 'cancelled'],
      ['oldest', 'oldest wait']]) {
      const value = h('b', { class: 'total-value', text: '—' });
      this.cells[key] = value;
      this.totals.append(h('span', { class: 'total total-' + key, 'data-testid': 'total-' + key }, value, ' ', label));
    }
    this.poolKey = '';
  }

  render(changes) {
    const ui = changes.ui;
    if (ui.has('conn') || ui.has('clock') || changes.stats || changes.all) this.renderConn();
    if (changes.stats || changes.all || changes.machineList || changes.machines.size > 0) this.renderTotals();
  }

  renderConn() {
    const bridge = this.bridgeRef();
    const state = bridge ? bridge.state : 'connecting';
    setData(this.conn, 'state', state);
    let text = state;
    if (state === 'reconnecting') text = 'reconnecting in ' + bridge.retryInSeconds() + ' s';
    if (state === 'stale') text = 'stale — no message for ' + Math.round((Date.now() - bridge.lastFrameAt) / 1000) + ' s';
    setText(this.connText, text);
    this.conn.title = bridge ? 'sockets opened: ' + bridge.counters.sockets + ', events: ' + bridge.counters.events : '';
    const m = this.model;
    let banner = '';
    if (state !== 'live' && m.syncedAt > 0) {
      banner = 'Not live (' + text + '): showing data as of ' + time((bridge && bridge.lastFrameAt) || m.syncedAt)
        + '. It is replaced by a fresh snapshot when the connection is back.';
    } else if (state === 'live' && m.statsError) {
      banner = m.statsError;
    }
    this.banner.hidden = banner === '';
    setText(this.banner, banner);
    setData(document.body, 'conn', state);
  }

  renderTotals() {
    const m = this.model;
    let online = 0;
    for (const machine of m.machines.values()) if (machine.status === 'online') online++;
    setText(this.cells.machines, num(online) + '/' + num(m.machines.size));
    const s = m.stats || {};
    const st = s.statuses || {};
    const w = s.workers || {};
    setText(this.cells.workers, num(w.busy) + '/' + num(w.online));
    this.cells.workers.parentElement.title = 'online ' + num(w.online) + ', stale ' + num(w.stale) + ', left '
      + num(w.left) + ', slots ' + num(w.slots);
    const sum = (...k) => (k.some(x => typeof st[x] === 'number') ? k.reduce((a, x) => a + (st[x] || 0), 0) : null);
    setText(this.cells.queued, num(sum('queued', 'delayed')));
    setText(this.cells.running, num(sum('assigned', 'running')));
    setText(this.cells.completed, num(st.completed));
    setText(this.cells.failed, num(st.failed));
    this.cells.failed.classList.toggle('is-bad', st.failed > 0);
    setText(this.cells.cancelled, num(st.cancelled));
    setText(this.cells.oldest, s.oldest_queued_ms > 0 ? duration(s.oldest_queued_ms) : '—');
    this.renderPools(s.queues || []);
  }

  renderPools(queues) {
    const byPool = new Map();
    for (const q of queues) {
      const pool = q.pool || 'default';
      const p = byPool.get(pool) || { depth: 0, unrunnable: 0 };
      p.depth += q.depth || 0;
      if (!q.runnable) p.unrunnable += q.depth || 0;
      byPool.set(pool, p);
    }
    const entries = [...byPool.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    const key = JSON.stringify(entries);
    if (key === this.poolKey) return;
    this.poolKey = key;
    const chips = entries.map(([pool, p]) => h('span', {
      class: 'pool-chip' + (p.unrunnable > 0 ? ' warn' : ''), 'data-testid': 'pool-depth', dataset: { pool },
      title: p.unrunnable > 0 ? num(p.unrunnable) + ' queued job(s) match no live worker' : 'queued jobs in pool ' + pool,
    }, h('span', { class: 'pool-name', text: pool }), ' ', h('b', { text: num(p.depth) })));
    this.pools.replaceChildren(h('span', { class: 'muted', text: 'queues' }), ...(chips.length ? chips : [h('span', { class: 'muted', text: ' empty' })]));
  }
}
