import { html } from 'lit';
import { live } from 'lit/directives/live.js';
import { ApiError, ago } from './api.js';
import { View, links, fieldError } from './view.js';

const STARTER = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    body: { type: 'string', contentMediaType: 'text/markdown' },
  },
};

/**
 * Schemas: the list, one schema with its versions, a form to create one, and the next version
 * published from an edited copy of the latest. Versions are immutable, so "edit" always means "publish".
 */
class SchemasView extends View {
  static properties = {
    schemaId: {},
    schemas: { state: true },
    current: { state: true },
    shownVersion: { state: true },
    creating: { state: true },
    draft: { state: true },
    errors: { state: true },
    problem: { state: true },
  };

  constructor() {
    super();
    this.schemas = [];
    this.errors = {};
  }

  liveHandlers() {
    return { event: (e) => { if (e.detail.type === 'schema.published') this.load(); } };
  }

  willUpdate(changed) {
    if (changed.has('schemaId')) {
      this.creating = false;
      this.errors = {};
      this.problem = null;
      this.load();
    }
  }

  async load() {
    this.schemas = await this.api.all('/schemas');
    if (this.schemaId) {
      this.current = await this.api.get(`/schemas/${encodeURIComponent(this.schemaId)}`);
      this.shownVersion = this.current;
      this.draft = JSON.stringify(this.current.schema, null, 2);
    } else {
      this.current = null;
    }
  }

  async showVersion(version) {
    this.shownVersion = await this.api.get(`/schemas/${encodeURIComponent(this.schemaId)}/versions/${version}`);
  }

  startCreate() {
    this.creating = true;
    this.draft = JSON.stringify(STARTER, null, 2);
    this.errors = {};
    this.problem = null;
  }

  /** Says at once when the draft stops being JSON; the server judges the schema itself when it is sent. */
  editDraft(text) {
    this.draft = text;
    const { '/schema': _, ...others } = this.errors;
    try {
      JSON.parse(text);
      this.errors = others;
    } catch (e) {
      this.errors = { ...others, '/schema': `Not valid JSON: ${e.message}` };
    }
  }

  /** The draft as JSON, or null with the parse error at the field. */
  parsedDraft() {
    try {
      return JSON.parse(this.draft);
    } catch (e) {
      this.errors = { '/schema': `Not valid JSON: ${e.message}` };
      return null;
    }
  }

  async create(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const schema = this.parsedDraft();
    if (schema === null) return;
    const body = { name: form.get('name'), description: form.get('description') || undefined, schema };
    if (form.get('id')) body.id = form.get('id');
    await this.send(async () => {
      const created = await this.api.post('/schemas', body);
      this.toast(`Schema “${created.name}” created`);
      location.hash = links.schema(created.id);
    });
  }

  async publish(event) {
    event.preventDefault();
    const schema = this.parsedDraft();
    if (schema === null) return;
    await this.send(async () => {
      const published = await this.api.post(`/schemas/${encodeURIComponent(this.schemaId)}/versions`, { schema });
      this.toast(`Version ${published.version} published`);
      await this.load();
    });
  }

  async send(action) {
    this.errors = {};
    this.problem = null;
    try {
      await action();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const fields = e.fieldErrors();
      // Errors inside the schema document all belong to its editor.
      const schemaErrors = Object.entries(fields).filter(([p]) => p.startsWith('/schema'));
      this.errors = Object.fromEntries(Object.entries(fields).filter(([p]) => !p.startsWith('/schema')));
      if (schemaErrors.length) this.errors['/schema'] = schemaErrors.map(([p, m]) => `${p.slice('/schema'.length) || '/'}: ${m}`).join('\n');
      this.problem = e.message;
    }
  }

  schemaEditor(label) {
    const error = this.errors['/schema'];
    return html`<div class="field"><label for="schema-json">${label}</label>
      <textarea id="schema-json" class="code" spellcheck="false" .value=${live(this.draft ?? '')}
                aria-invalid=${error ? 'true' : 'false'} aria-describedby="schema-json-error"
                @input=${(e) => this.editDraft(e.target.value)}></textarea>
      <div class="hint">JSON Schema draft 2020-12. <code>x-reyna-title</code> and <code>x-reyna-preview</code> name the fields
        lists show; <code>"contentMediaType": "text/markdown"</code> makes a string a markdown field.</div>
      ${error ? html`<div class="field-error" id="schema-json-error" role="alert" style="white-space:pre-line">${error}</div>` : ''}
    </div>`;
  }

  render() {
    return html`<div class="stack">
      <div class="spread"><h1>Schemas</h1><button class="primary" @click=${this.startCreate}>New schema</button></div>
      ${this.creating ? this.renderCreate() : ''}
      ${this.current && !this.creating ? this.renderSchema() : ''}
      <div class="card">
        ${this.schemas.length ? html`<table><thead><tr><th>Name</th><th>Id</th><th>Latest</th><th>Updated</th></tr></thead><tbody>
          ${this.schemas.map((s) => html`<tr><td><a href=${links.schema(s.id)}>${s.name}</a></td><td><code>${s.id}</code></td>
            <td>v${s.latestVersion}</td><td>${ago(s.updatedAt)}</td></tr>`)}</tbody></table>`
          : html`<p class="empty">No schemas yet. A schema describes one kind of content; every blob follows one.</p>`}
      </div>
    </div>`;
  }

  renderCreate() {
    return html`<form class="card" @submit=${this.create} novalidate aria-labelledby="create-title">
      <h2 id="create-title">New schema</h2>
      <div class="row" style="align-items:flex-start">
        <div class="field" style="flex:2 1 14rem"><label for="schema-name" class="required">Name</label>
          <input id="schema-name" name="name" required aria-describedby="schema-name-error" aria-invalid=${this.errors['/name'] ? 'true' : 'false'}>
          ${fieldError('schema-name', this.errors['/name'])}</div>
        <div class="field" style="flex:1 1 10rem"><label for="schema-id">Id (optional)</label>
          <input id="schema-id" name="id" placeholder="note" aria-describedby="schema-id-hint schema-id-error" aria-invalid=${this.errors['/id'] ? 'true' : 'false'}>
          <div class="hint" id="schema-id-hint">Lower-case letters, digits, - and _</div>${fieldError('schema-id', this.errors['/id'])}</div>
      </div>
      <div class="field"><label for="schema-description">Description</label><input id="schema-description" name="description"></div>
      ${this.schemaEditor('Schema')}
      ${this.problem && !Object.keys(this.errors).length ? html`<div class="form-error" role="alert">${this.problem}</div>` : ''}
      <div class="row"><button class="primary" type="submit">Create schema</button>
        <button type="button" @click=${() => { this.creating = false; }}>Cancel</button></div>
    </form>`;
  }

  renderSchema() {
    const c = this.current;
    const shown = this.shownVersion ?? c;
    return html`<section class="card stack" aria-labelledby="schema-title">
      <div class="spread"><h2 id="schema-title">${c.name} <span class="muted small">${c.id}</span></h2>
        <div class="row small"><label class="inline" for="schema-version">Version</label>
          <select id="schema-version" style="width:auto" @change=${(e) => this.showVersion(e.target.value)}>
            ${Array.from({ length: c.latestVersion }, (_, i) => c.latestVersion - i).map((v) =>
              html`<option value=${v} ?selected=${v === shown.version}>v${v}${v === c.latestVersion ? ' (latest)' : ''}</option>`)}
          </select></div></div>
      ${c.description ? html`<p>${c.description}</p>` : ''}
      <details><summary>Version ${shown.version}, published ${ago(shown.createdAt)}</summary>
        <pre>${JSON.stringify(shown.schema, null, 2)}</pre></details>
      <form @submit=${this.publish} novalidate>
        ${this.schemaEditor(`Next version (v${c.latestVersion + 1})`)}
        ${this.problem && !Object.keys(this.errors).length ? html`<div class="form-error" role="alert">${this.problem}</div>` : ''}
        <button class="primary" type="submit">Publish version ${c.latestVersion + 1}</button>
      </form>
    </section>`;
  }
}

customElements.define('reyna-schemas', SchemasView);
