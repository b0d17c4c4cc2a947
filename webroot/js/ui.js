// Shared UI pieces: notifications, the confirmation dialog and the side drawer.

import { h } from './dom.js';

const toasts = () => document.getElementById('toasts');

/** Shows a notification; kind: ok | error | info. Errors stay until dismissed. */
export function toast(text, kind = 'info') {
  const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss', text: '×' });
  const el = h('div', { class: 'toast toast-' + kind, role: kind === 'error' ? 'alert' : 'status',
    'data-testid': 'toast', dataset: { kind } }, h('span', { class: 'toast-text', text }), close);
  close.addEventListener('click', () => el.remove());
  toasts().append(el);
  while (toasts().childElementCount > 6) toasts().firstElementChild.remove();
  if (kind !== 'error') setTimeout(() => el.remove(), 6000);
  return el;
}

/** A confirmation dialog; resolves true when confirmed. */
export function confirmDialog(title, detail, action = 'Confirm', danger = true) {
  const modal = document.getElementById('modal');
  return new Promise(resolve => {
    const done = ok => {
      modal.hidden = true;
      modal.replaceChildren();
      document.removeEventListener('keydown', onKey, true);
      resolve(ok);
    };
    const onKey = e => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        done(false);
      }
    };
    const ok = h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary', text: action,
      'data-testid': 'confirm-ok', onclick: () => done(true) });
    const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel', 'data-testid': 'confirm-cancel',
      onclick: () => done(false) });
    modal.replaceChildren(h('div', { class: 'modal-box', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
      h('h2', { text: title }), detail ? h('p', { class: 'muted', text: detail }) : null,
      h('div', { class: 'modal-actions' }, cancel, ok)));
    modal.hidden = false;
    document.addEventListener('keydown', onKey, true);
    ok.focus();
  });
}

/** The right-hand drawer: one panel at a time (job details or logs). */
export const drawer = {
  owner: null,
  onClose: null,
  open(owner, title, body, onClose) {
    if (this.onClose && this.owner !== owner) this.onClose();
    const el = document.getElementById('drawer');
    this.owner = owner;
    this.onClose = onClose || null;
    const close = h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': 'Close panel', title: 'Close (Esc)',
      'data-testid': 'drawer-close', text: '×', onclick: () => this.close() });
    el.replaceChildren(h('div', { class: 'drawer-head' }, h('h2', { class: 'drawer-title' }, title), close),
      h('div', { class: 'drawer-body' }, body));
    el.hidden = false;
    el.dataset.owner = owner;
  },
  close() {
    const el = document.getElementById('drawer');
    if (this.onClose) this.onClose();
    this.onClose = null;
    this.owner = null;
    el.hidden = true;
    el.replaceChildren();
    delete el.dataset.owner;
  },
  isOpen(owner) {
    return this.owner === owner;
  },
};
