// Formatting. A missing or invalid value is shown as an em dash, never as NaN or "undefined".

export const DASH = '—';

export function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

export function num(v, digits) {
  if (!isNum(v)) return DASH;
  return digits == null ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function duration(ms) {
  if (!isNum(ms) || ms < 0) return DASH;
  if (ms < 1000) return Math.round(ms) + ' ms';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + String(Math.floor(s % 60)).padStart(2, '0') + 's';
  const hr = Math.floor(m / 60);
  if (hr < 24) return hr + 'h ' + String(m % 60).padStart(2, '0') + 'm';
  return Math.floor(hr / 24) + 'd ' + (hr % 24) + 'h';
}

export function ago(ts, now) {
  if (!isNum(ts) || ts <= 0) return DASH;
  return duration(Math.max(0, now - ts)) + ' ago';
}

function pad(n) {
  return String(n).padStart(2, '0');
}

export function time(ts) {
  if (!isNum(ts) || ts <= 0) return DASH;
  const d = new Date(ts);
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

export function dateTime(ts) {
  if (!isNum(ts) || ts <= 0) return DASH;
  const d = new Date(ts);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time(ts)
    + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export function bytes(b) {
  if (!isNum(b) || b < 0) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
}

export function megabytes(mb) {
  return isNum(mb) ? bytes(mb * 1024 * 1024) : DASH;
}

export function pct(v, digits = 0) {
  return isNum(v) ? v.toFixed(digits) + '%' : DASH;
}

/** Last characters of a job id (ULIDs share their time prefix); the full id goes in the title. */
export function shortId(id) {
  if (typeof id !== 'string') return DASH;
  return id.length > 10 ? '…' + id.slice(-8) : id;
}

/** Compares Redis stream ids "<ms>-<seq>" numerically: <0, 0, >0. */
export function compareIds(a, b) {
  const [am, as] = split(a);
  const [bm, bs] = split(b);
  return am !== bm ? am - bm : as - bs;
}

function split(id) {
  if (typeof id !== 'string') return [-1, -1];
  const dash = id.indexOf('-');
  if (dash < 0) return [Number(id) || 0, 0];
  return [Number(id.slice(0, dash)) || 0, Number(id.slice(dash + 1)) || 0];
}

export function plural(n, word) {
  return num(n) + ' ' + word + (n === 1 ? '' : 's');
}
