// Submit form: service, payload JSON (templates per service), priority, pool, customer, a
// requirements builder, workflow fields, delivery options and a batch count. The reply is shown
// as it is: the new ids, or the refusal naming the field (which is highlighted).

import { h, setText } from '../dom.js';
import { num } from '../format.js';
import { TEMPLATES } from '../templates.js';

const CUSTOM_ROWS = 3;

export class SubmitView {
  constructor(root, model, request, actions) {
    this.root = root;
    this.model = model;
    this.request = request;
    this.actions = actions;
    this.fields = {};
    this.build();
  }

  input(name, props, label, hint) {
    const id = 'submit-' + name.replace(/_/g, '-');
    const el = props.tag === 'select' ? h('select', { id, class: 'input', name, 'data-testid': id }, props.options)
      : props.tag === 'textarea' ? h('textarea', { id, class: 'input code', name, rows: props.rows || 10, spellcheck: 'false', 'data-testid': id })
        : h('input', { id, class: 'input', name, 'data-testid': id, type: props.type || 'text', min: props.min, max: props.max,
          step: props.step, placeholder: props.placeholder, list: props.list, autocomplete: 'off' });
    if (props.value != null) el.value = props.value;
    this.fields[name] = el;
    el.addEventListener('input', () => {
      el.classList.remove('invalid');
      el.removeAttribute('aria-invalid');
      if (props.onInput) props.onInput();
    });
    return h('div', { class: 'field' + (props.wide ? ' field-wide' : '') }, h('label', { for: id, text: label }), el,
      hint ? h('small', { class: 'muted', text: hint }) : null);
  }

  build() {
    this.servicesList = h('datalist', { id: 'services-list' });
    this.poolsList = h('datalist', { id: 'pools-list' });
    const template = h('select', { class: 'input', 'aria-label': 'Payload template', 'data-testid': 'submit-template' },
      Object.entries(TEMPLATES).map(([k, t]) => h('option', { value: k, text: t.label })));
    const load = h('button', { type: 'button', class: 'btn', text: 'Use template', 'data-testid': 'submit-use-template',
      onclick: () => this.useTemplate(template.value) });
    template.addEventListener('change', () => this.useTemplate(template.value));
    this.template = template;
    this.payloadState = h('small', { class: 'muted', 'data-testid': 'submit-payload-state' });
    const reqPreview = () => this.renderRequirements();
    this.custom = h('div', { class: 'custom-rows' });
    for (let i = 0; i < CUSTOM_ROWS; i++) this.custom.append(this.customRow(i, reqPreview));
    this.reqPreview = h('pre', { class: 'code small', 'data-testid': 'submit-requirements' });
    this.result = h('div', { class: 'submit-result', 'data-testid': 'submit-result', 'aria-live': 'polite' });
    this.button = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Submit', 'data-testid': 'submit-button' });
    const form = h('form', { class: 'submit-form', 'data-testid': 'submit-form', noValidate: true },
      this.servicesList, this.poolsList,
      h('div', { class: 'grid2' },
        h('div', { class: 'col' },
          h('div', { class: 'row' },
            this.input('service', { list: 'services-list', placeholder: 'simulation', value: 'simulation' }, 'Service', 'the connector that runs it'),
            h('div', { class: 'field' }, h('label', { text: 'Payload template' }), h('div', { class: 'row tight' }, template, load))),
          this.input('payload', { tag: 'textarea', rows: 12, wide: true, onInput: () => this.checkPayload() }, 'Payload (JSON object)'),
          this.payloadState,
          h('div', { class: 'row' },
            this.input('priority', { type: 'number', min: 0, max: 100, step: 1, value: '50' }, 'Priority', '0–100, higher first'),
            this.input('pool', { list: 'pools-list', placeholder: 'any' }, 'Pool'),
            this.input('customer_id', { placeholder: 'none' }, 'Customer'),
            this.input('count', { type: 'number', min: 1, max: 100, step: 1, value: '1' }, 'Batch count', '1–100 copies')),
          h('div', { class: 'form-actions' }, this.button,
            h('button', { type: 'button', class: 'btn btn-ghost', text: 'Reset', onclick: () => this.reset() })),
          this.result),
        h('div', { class: 'col' },
          h('fieldset', null, h('legend', { text: 'Requirements' }),
            h('div', { class: 'row' },
              this.input('req_gpu', { type: 'number', min: 0, step: 'any', placeholder: 'any', onInput: reqPreview }, 'GPU memory ≥ GB'),
              this.input('req_ram', { type: 'number', min: 0, step: 'any', placeholder: 'any', onInput: reqPreview }, 'RAM ≥ GB'),
              this.input('req_cpu', { type: 'number', min: 0, step: 1, placeholder: 'any', onInput: reqPreview }, 'CPU cores ≥')),
            h('div', { class: 'row' },
              this.input('req_models', { placeholder: 'sdxl, flux-dev', onInput: reqPreview }, 'Models'),
              this.input('req_isolation', { tag: 'select', options: ['', 'loose', 'strict'].map(v => h('option', { value: v, text: v || 'none' })), onInput: reqPreview }, 'Customer isolation')),
            h('div', { class: 'row' },
              this.input('req_region', { placeholder: 'any', onInput: reqPreview }, 'Region'),
              this.input('req_compliance', { placeholder: 'gdpr, sox', onInput: reqPreview }, 'Compliance'),
              this.input('req_component', { placeholder: 'any', onInput: reqPreview }, 'Component')),
            h('label', { class: 'sub', text: 'Custom requirements (value as JSON or text)' }), this.custom,
            this.reqPreview),
          h('fieldset', null, h('legend', { text: 'Workflow' }),
            h('div', { class: 'row' },
              this.input('workflow_id', { placeholder: 'none' }, 'Workflow id'),
              this.input('workflow_priority', { type: 'number', min: 0, max: 100, step: 1 }, 'Workflow priority'),
              this.input('step_number', { type: 'number', min: 0, step: 1 }, 'Step')),
            this.input('workflow_datetime', { type: 'datetime-local', step: 1 }, 'Workflow time', 'orders the workflow\'s jobs; default: submission time')),
          h('fieldset', null, h('legend', { text: 'Delivery' }),
            h('div', { class: 'row' },
              this.input('max_attempts', { type: 'number', min: 1, max: 20, step: 1, placeholder: '3' }, 'Max attempts'),
              this.input('timeout_s', { type: 'number', min: 0, step: 'any', placeholder: 'none' }, 'Timeout (s)'),
              this.input('delay_ms', { type: 'number', min: 0, step: 1, placeholder: '0' }, 'Delay (ms)'))))));
    form.addEventListener('submit', e => {
      e.preventDefault();
      this.submit();
    });
    this.root.append(h('h2', { class: 'view-title', text: 'Submit jobs' }), form);
    this.useTemplate('simulation');
    this.renderRequirements();
  }

  customRow(i, onInput) {
    const key = h('input', { class: 'input', placeholder: 'key (e.g. gpu_arch)', 'aria-label': 'custom requirement key', 'data-testid': 'submit-custom-key' });
    const value = h('input', { class: 'input', placeholder: 'value (e.g. "ada" or 3)', 'aria-label': 'custom requirement value', 'data-testid': 'submit-custom-value' });
    const kind = h('select', { class: 'input', 'aria-label': 'positive or negative' },
      h('option', { value: 'positive', text: 'must have' }), h('option', { value: 'negative', text: 'must not have' }));
    for (const el of [key, value, kind]) el.addEventListener('input', onInput);
    return h('div', { class: 'row tight custom-row', dataset: { row: String(i) } }, key, kind, value);
  }

  /** Fills the datalists with the services and pools the fleet knows. */
  show() {
    const fill = (list, values) => list.replaceChildren(...[...values].sort().map(v => h('option', { value: v })));
    fill(this.servicesList, this.model.services);
    fill(this.poolsList, this.model.pools);
  }

  useTemplate(key) {
    const t = TEMPLATES[key];
    if (!t) return;
    this.template.value = key;
    const svc = this.fields.service;
    if (!svc.value || TEMPLATES[svc.value]) svc.value = key;
    this.fields.payload.value = JSON.stringify(t.payload, null, 2);
    this.checkPayload();
  }

  checkPayload() {
    const r = this.parsePayload();
    setText(this.payloadState, r.error ? r.error : 'valid JSON · ' + num(new Blob([JSON.stringify(r.value)]).size) + ' bytes');
    this.payloadState.classList.toggle('error-text', !!r.error);
  }

  parsePayload() {
    const text = this.fields.payload.value.trim();
    if (text === '') return { value: {} };
    try {
      const v = JSON.parse(text);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: 'the payload must be a JSON object' };
      return { value: v };
    } catch (e) {
      return { error: 'not valid JSON: ' + e.message };
    }
  }

  requirements() {
    const f = this.fields;
    const r = {};
    const hw = {};
    const n = (el, key) => {
      if (el.value !== '') hw[key] = Number(el.value);
    };
    n(f.req_gpu, 'gpu_memory_gb');
    n(f.req_ram, 'ram_gb');
    n(f.req_cpu, 'cpu_cores');
    if (Object.keys(hw).length) r.hardware = hw;
    const list = el => el.value.split(',').map(s => s.trim()).filter(Boolean);
    if (list(f.req_models).length) r.models = list(f.req_models);
    if (f.req_isolation.value) r.customer_isolation = f.req_isolation.value;
    if (f.req_region.value.trim()) r.geographic_region = f.req_region.value.trim();
    if (list(f.req_compliance).length) r.compliance = list(f.req_compliance);
    if (f.req_component.value.trim()) r.component = f.req_component.value.trim();
    for (const row of this.custom.children) {
      const [key, kind, value] = row.querySelectorAll('input, select');
      const k = key.value.trim();
      if (!k) continue;
      let v = value.value.trim();
      try {
        v = JSON.parse(v);
      } catch (e) {
        // plain text
      }
      const target = kind.value === 'negative' ? (r.negative_requirements ||= {}) : (r.positive_requirements ||= {});
      target[k] = v;
    }
    return r;
  }

  renderRequirements() {
    const r = this.requirements();
    setText(this.reqPreview, Object.keys(r).length ? JSON.stringify(r, null, 2) : '(no requirements: any worker of the service)');
  }

  body() {
    const f = this.fields;
    const job = { service: f.service.value.trim() };
    const p = this.parsePayload();
    if (p.error) return { field: 'payload', error: p.error };
    job.payload = p.value;
    const numeric = (name, as = name) => {
      const v = f[name].value.trim();
      if (v !== '') job[as] = Number(v);
    };
    const text = name => {
      const v = f[name].value.trim();
      if (v !== '') job[name] = v;
    };
    numeric('priority');
    text('pool');
    text('customer_id');
    text('workflow_id');
    numeric('workflow_priority');
    numeric('step_number');
    numeric('max_attempts');
    numeric('timeout_s');
    numeric('delay_ms');
    if (f.workflow_datetime.value) {
      const t = new Date(f.workflow_datetime.value).getTime();
      if (Number.isFinite(t)) job.workflow_datetime = t;
    }
    const req = this.requirements();
    if (Object.keys(req).length) job.requirements = req;
    const count = f.count.value.trim() === '' ? 1 : Number(f.count.value);
    return { body: { op: 'submit', job, count } };
  }

  async submit() {
    this.checkPayload();
    for (const el of Object.values(this.fields)) {
      el.classList.remove('invalid');
      el.removeAttribute('aria-invalid');
    }
    const b = this.body();
    if (b.error) {
      this.showError(b.field, b.field + ': ' + b.error);
      return;
    }
    this.button.disabled = true;
    setText(this.button, 'Submitting…');
    try {
      const r = await this.request('emp.monitor.command', b.body, 60000);
      this.showIds(r.ids || [], b.body.job);
    } catch (e) {
      this.showError(e.field, e.describe ? e.describe() : e.message);
    } finally {
      this.button.disabled = false;
      setText(this.button, 'Submit');
    }
  }

  showIds(ids, job) {
    const list = h('ul', { class: 'id-list', 'data-testid': 'submit-ids' }, ids.map(id => h('li', null,
      h('button', { type: 'button', class: 'link mono', 'data-testid': 'submit-id', text: id, onclick: () => this.actions.openJob(id) }))));
    const show = h('button', { type: 'button', class: 'btn btn-sm', text: 'Show in the jobs list', onclick: () => this.actions.showJobs(ids, job) });
    this.result.replaceChildren(h('div', { class: 'result-ok', 'data-testid': 'submit-ok' },
      h('p', null, h('b', { text: 'Submitted ' + num(ids.length) + ' job' + (ids.length === 1 ? '' : 's') + '.' }), ' ', show), list));
  }

  showError(field, message) {
    this.result.replaceChildren(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'submit-error', dataset: { field: field || '' }, text: 'Refused: ' + message }));
    const el = this.fieldFor(field);
    if (el) {
      el.classList.add('invalid');
      el.setAttribute('aria-invalid', 'true');
      el.focus();
    }
  }

  fieldFor(field) {
    if (!field) return null;
    const name = String(field).replace(/^job\./, '').split('.')[0];
    if (name === 'requirements') return this.fields.req_gpu.closest('fieldset').querySelector('input');
    return this.fields[name] || null;
  }

  reset() {
    for (const [name, el] of Object.entries(this.fields)) {
      if (name === 'service' || name === 'payload') continue;
      el.value = '';
    }
    this.fields.priority.value = '50';
    this.fields.count.value = '1';
    for (const el of this.custom.querySelectorAll('input')) el.value = '';
    this.useTemplate(this.template.value);
    this.renderRequirements();
    this.result.replaceChildren();
  }
}
