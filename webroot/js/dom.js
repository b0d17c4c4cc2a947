// DOM helpers. Everything from the broker is inserted as text (textContent / text nodes), never as
// HTML: no innerHTML, no insertAdjacentHTML, no style attributes (the page's CSP forbids them).

/**
 * Creates an element. props: class, text, dataset, title, on<event> handlers, boolean/value
 * properties (disabled, checked, value, hidden, type…) and plain attributes. Children may be nodes,
 * strings (inserted as text) or arrays of them; null/false children are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'dataset') {
        for (const [dk, dv] of Object.entries(v)) if (dv != null) el.dataset[dk] = String(dv);
      }
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'style' || k.startsWith('on')) throw new Error('h(): ' + k + ' is not allowed');
      else if (typeof v === 'boolean' || k === 'value') el[k] = v;
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Sets an element's text only when it differs (cheap on hot paths). */
export function setText(el, text) {
  const t = text == null ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

/** Sets or clears a data attribute only when it differs. */
export function setData(el, key, value) {
  const v = value == null ? null : String(value);
  if (v === null) {
    if (key in el.dataset) delete el.dataset[key];
  } else if (el.dataset[key] !== v) {
    el.dataset[key] = v;
  }
}

/** A progress bar: .bar > .bar-fill, width set through the CSSOM (allowed by the CSP). */
export function progressBar(testid) {
  const fill = h('span', { class: 'bar-fill' });
  const bar = h('span', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'data-testid': testid || null }, fill);
  return bar;
}

export function setProgress(bar, pct) {
  const p = Number.isFinite(pct) ? Math.max(0, Math.min(100, pct)) : 0;
  const w = p.toFixed(1) + '%';
  const fill = bar.firstChild;
  if (fill.style.width !== w) fill.style.width = w;
  const now = String(Math.round(p * 10) / 10);
  if (bar.getAttribute('aria-valuenow') !== now) bar.setAttribute('aria-valuenow', now);
}

export function clear(el) {
  el.replaceChildren();
}

/** replaceChildren that skips null/false children and inserts strings as text. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
