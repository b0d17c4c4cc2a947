// The event-bus bridge over SockJS's raw WebSocket transport (docs/monitor.md#the-bridge).
//
// One socket at a time. Each socket registers every event address exactly once; a reconnect
// throws the old socket away with its handlers detached, so nothing is ever delivered twice by a
// leftover listener. The connection state shown to the operator is honest: "live" only after the
// snapshot of this socket was applied, "stale" after 10 s without any frame (the server ticks every
// 2 s), then the socket is dropped and a new one is tried with exponential backoff and jitter.

import { perf } from './perf.js';

export const EVENT_ADDRESSES = ['emp.events.jobs', 'emp.events.workers', 'emp.events.machines', 'emp.events.stats'];
export const SNAPSHOT = 'emp.monitor.snapshot';
export const COMMAND = 'emp.monitor.command';

const PING_MS = 5000;
const STALE_MS = 10000;
const DROP_MS = 15000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;

/** A refused request: HTTP status, the api's error code, the field at fault and a message. */
export class BridgeError extends Error {
  constructor(status, code, field, message) {
    super(message || code || 'refused');
    this.status = status;
    this.code = code;
    this.field = field;
  }

  describe() {
    const head = [this.status, this.code].filter(Boolean).join(' ');
    return (head ? head + ' — ' : '') + (this.field ? this.field + ': ' : '') + this.message;
  }
}

function uuid() {
  // crypto.randomUUID exists only in secure contexts; an operator may use plain http on a LAN name.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, v => v.toString(16).padStart(2, '0')).join('');
  return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
}

export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, attempt - 1));
  return Math.min(BACKOFF_MAX_MS, Math.round(base * (0.8 + 0.4 * random())));
}

export class Bridge {
  /**
   * hooks: onState(state), onOpen(socketSeq), onEvent(address, body, receivedAt),
   * onAuthFailed(message), onRejected(count)
   */
  constructor(url, token, hooks) {
    this.url = url;
    this.token = token;
    this.hooks = hooks;
    this.ws = null;
    this.seq = 0;
    this.pending = new Map();
    this.state = 'connecting';
    this.attempt = 0;
    this.retryAt = 0;
    this.lastFrameAt = 0;
    this.authenticated = false;
    this.stopped = true;
    this.decoder = new TextDecoder();
    this.counters = { sockets: 0, registers: 0, frames: 0, events: 0, rejected: 0, reconnects: 0 };
    // the stats tick is the heartbeat; with EMP_MONITOR_TICK_MS above 4 s, silence is judged in ticks
    this.tickGaps = [];
    this.lastTickAt = 0;
    this.timers = { ping: 0, watch: 0, retry: 0 };
  }

  start() {
    this.stopped = false;
    this.timers.watch = setInterval(() => this.watch(), 1000);
    this.timers.ping = setInterval(() => this.write({ type: 'ping' }), PING_MS);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.timers.watch);
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.retry);
    this.detach('stopped');
    this.setState('stopped');
  }

  /** Called by the sync once this socket's snapshot is applied. */
  markLive() {
    this.authenticated = true;
    this.attempt = 0;
    this.setState('live');
  }

  /** Drops the current socket and reconnects after the backoff (e.g. a snapshot that failed). */
  reconnect(reason) {
    if (this.stopped) return;
    this.detach(reason);
    this.scheduleRetry();
  }

  setState(state) {
    if (this.state === state && state !== 'reconnecting') return;
    this.state = state;
    this.hooks.onState?.(state);
  }

  connect() {
    if (this.stopped) return;
    this.seq++;
    this.counters.sockets++;
    this.lastTickAt = 0;
    this.authenticated = false;
    this.setState('connecting');
    const seq = this.seq;
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.lastFrameAt = Date.now();
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.lastFrameAt = Date.now();
      for (const address of EVENT_ADDRESSES) {
        this.counters.registers++;
        this.write({ type: 'register', address, headers: { token: this.token } });
      }
      this.hooks.onOpen?.(seq);
    };
    ws.onmessage = m => {
      if (ws !== this.ws) return;
      this.receive(m.data);
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.detach('closed');
      this.scheduleRetry();
    };
    ws.onerror = () => {
      // onclose follows; nothing else to do
    };
  }

  /** True while a socket is open (whatever its sync state). */
  isOpen() {
    return this.ws != null && this.ws.readyState === WebSocket.OPEN;
  }

  receive(data) {
    const receivedAt = performance.now();
    this.lastFrameAt = Date.now();
    this.counters.frames++;
    if (this.state === 'stale') this.setState(this.authenticated ? 'live' : 'connecting');
    let frame;
    try {
      const text = typeof data === 'string' ? data : this.decoder.decode(data);
      frame = JSON.parse(text);
      if (text.length > 65536) perf.recordParse(performance.now() - receivedAt);
    } catch (e) {
      console.warn('monitor: unreadable frame', e);
      return;
    }
    const address = frame.address;
    if (frame.type === 'rec') {
      const p = address && this.pending.get(address);
      if (p) {
        this.settle(address);
        p.resolve(frame.body);
      } else if (typeof address === 'string' && address.startsWith('emp.events.')) {
        this.counters.events++;
        if (address === 'emp.events.stats') this.noteTick();
        this.hooks.onEvent?.(address, frame.body, receivedAt);
      }
    } else if (frame.type === 'err') {
      const p = address && this.pending.get(address);
      if (p) {
        this.settle(address);
        p.reject(toError(frame));
      } else {
        this.counters.rejected++;
        if (!this.authenticated) {
          // the bridge refuses frames without a valid token: the first register already tells
          this.fail('The monitor refused the operator token (' + (frame.body || 'rejected') + ').');
        } else {
          this.hooks.onRejected?.(this.counters.rejected, frame);
        }
      }
    }
  }

  fail(message) {
    this.stop();
    this.hooks.onAuthFailed?.(message);
  }

  /** Request–reply to a monitor address; rejects with a BridgeError on refusal or timeout. */
  request(address, body, timeoutMs = 20000) {
    if (!this.isOpen()) return Promise.reject(new BridgeError(0, 'DISCONNECTED', null, 'not connected to the monitor'));
    const replyAddress = uuid();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(replyAddress);
        reject(new BridgeError(0, 'TIMEOUT', null, 'no reply within ' + Math.round(timeoutMs / 1000) + ' s'));
      }, timeoutMs);
      this.pending.set(replyAddress, { resolve, reject, timer });
      this.write({ type: 'send', address, body, headers: { token: this.token }, replyAddress });
    });
  }

  /** Writes a raw frame on the current socket (used by the tests to probe the allow-list). */
  sendRaw(frame) {
    return this.write(frame);
  }

  write(frame) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  settle(address) {
    const p = this.pending.get(address);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(address);
    }
  }

  detach(reason) {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch (e) {
        // already closing
      }
    }
    for (const [address, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new BridgeError(0, 'DISCONNECTED', null, 'connection lost (' + reason + ')'));
      this.pending.delete(address);
    }
  }

  scheduleRetry() {
    if (this.stopped) return;
    clearTimeout(this.timers.retry);
    this.attempt++;
    this.counters.reconnects++;
    const delay = backoffDelay(this.attempt);
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting');
    this.timers.retry = setTimeout(() => this.connect(), delay);
  }

  noteTick() {
    const now = Date.now();
    if (this.lastTickAt > 0 && now - this.lastTickAt < 120000) {
      this.tickGaps.push(now - this.lastTickAt);
      if (this.tickGaps.length > 3) this.tickGaps.shift();
    }
    this.lastTickAt = now;
  }

  /** Silence after which the connection is shown stale: 10 s, or 2.5 ticks of a slower ticker. */
  staleMs() {
    const tick = this.tickGaps.length ? Math.min(...this.tickGaps) : 0;
    return Math.max(STALE_MS, 2.5 * tick);
  }

  watch() {
    if (this.stopped || !this.ws) return;
    const silent = Date.now() - this.lastFrameAt;
    const stale = this.staleMs();
    if (silent > stale + (DROP_MS - STALE_MS)) {
      this.detach('no frame for ' + Math.round(silent / 1000) + ' s');
      this.scheduleRetry();
    } else if (silent > stale && this.state !== 'stale') {
      this.setState('stale');
    }
  }

  /** Seconds until the next attempt while reconnecting. */
  retryInSeconds() {
    return Math.max(0, Math.ceil((this.retryAt - Date.now()) / 1000));
  }
}

function toError(frame) {
  let body = null;
  try {
    body = typeof frame.message === 'string' ? JSON.parse(frame.message) : null;
  } catch (e) {
    body = null;
  }
  if (body && typeof body === 'object') {
    return new BridgeError(frame.failureCode, body.code, body.field, body.message);
  }
  return new BridgeError(frame.failureCode, null, null, String(frame.message || frame.body || 'refused'));
}
