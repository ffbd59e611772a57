import { html } from 'lit';
import { ApiError, bytes } from './api.js';
import { View } from './view.js';
import './schema-form.js';

/** The user's use of their quotas, and their settings of each processor (a form from its settings schema). */
class SettingsView extends View {
  static properties = { usage: { state: true }, processors: { state: true }, drafts: { state: true }, errors: { state: true } };

  constructor() {
    super();
    this.processors = [];
    this.drafts = {};
    this.errors = {};
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  async load() {
    const [usage, catalogue] = await Promise.all([this.api.get('/me/usage'), this.api.get('/processors')]);
    const settings = await Promise.all(catalogue.items.map((p) => this.api.get(`/processors/${p.name}/settings`)));
    this.usage = usage;
    this.processors = catalogue.items;
    this.drafts = Object.fromEntries(settings.map((s) => [s.processor, { enabled: s.enabled, config: s.config }]));
  }

  edit(name, change) {
    this.drafts = { ...this.drafts, [name]: { ...this.drafts[name], ...change } };
  }

  async save(event, name) {
    event.preventDefault();
    try {
      const saved = await this.api.put(`/processors/${name}/settings`, this.drafts[name]);
      this.drafts = { ...this.drafts, [name]: { enabled: saved.enabled, config: saved.config } };
      this.errors = { ...this.errors, [name]: null };
      this.toast(`${name} settings saved`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.errors = { ...this.errors, [name]: { fields: e.fieldErrors('/config'), message: e.message } };
    }
  }

  render() {
    return html`<div class="stack">
      <h1>Settings</h1>
      ${this.usage ? html`<section class="card" aria-labelledby="usage-title">
        <h2 id="usage-title">Usage</h2>
        ${this.measure('Blobs', this.usage.blobs, (n) => n.toLocaleString())}
        ${this.measure('Buckets', this.usage.buckets, (n) => n.toLocaleString())}
        ${this.measure('Storage', this.usage.bytes, bytes)}
      </section>` : ''}
      <section class="card" aria-labelledby="processors-title">
        <h2 id="processors-title">Processors</h2>
        <p class="muted small">Processors derive data from your blobs as they change. Turn one off and it does nothing for your blobs.</p>
        ${this.processors.map((p) => this.processor(p))}
      </section>
    </div>`;
  }

  measure(label, { used, max }, format) {
    const id = `usage-${label.toLowerCase()}`;
    return html`<div class="field"><div class="spread"><span id=${id}>${label}</span>
        <span class="small muted">${format(used)} of ${format(max)}</span></div>
      <meter aria-labelledby=${id} min="0" max=${max} value=${used} low=${max * 0.8} high=${max * 0.95} optimum="0"></meter></div>`;
  }

  processor(p) {
    const draft = this.drafts[p.name] ?? { enabled: true, config: p.defaults };
    const error = this.errors[p.name];
    return html`<form class="stack" style="border-top:1px solid var(--line);padding-top:.8rem" @submit=${(e) => this.save(e, p.name)}
                      aria-labelledby="processor-${p.name}" novalidate>
      <div class="spread"><h3 id="processor-${p.name}">${p.name}</h3>
        <label class="inline"><input type="checkbox" .checked=${draft.enabled}
          @change=${(e) => this.edit(p.name, { enabled: e.target.checked })}> On for my blobs</label></div>
      <p class="small muted">${p.description}</p>
      <details><summary>Configure</summary>
        <reyna-schema-form .studio=${this.studio} id-prefix="p-${p.name}" .schema=${p.settingsSchema} .value=${draft.config}
          .errors=${error?.fields ?? {}} @value-change=${(e) => this.edit(p.name, { config: e.detail })}></reyna-schema-form>
      </details>
      ${error?.message ? html`<div class="form-error" role="alert">${error.message}</div>` : ''}
      <div><button type="submit">Save ${p.name} settings</button></div>
    </form>`;
  }
}

customElements.define('reyna-settings', SettingsView);
