import { html } from 'lit';
import { live } from 'lit/directives/live.js';
import { ApiError, ago } from './api.js';
import { View, links, openDialog } from './view.js';
import { initial } from './schema-form.js';
import './derived-view.js';
import './attachments-view.js';

/**
 * Creates and edits one blob: a form drawn from its schema version, or its raw JSON. Saving sends
 * the version it was loaded at (If-Match); when someone saved in between, the user chooses to
 * reload theirs or overwrite. Changes made elsewhere show at once when nothing is being edited.
 */
class BlobEditor extends View {
  static properties = {
    bucketId: {},
    blobId: {},
    creating: { type: Boolean },
    blob: { state: true },
    schemas: { state: true },
    schemaId: { state: true },
    schema: { state: true },
    data: { state: true },
    tab: { state: true },
    rawText: { state: true },
    rawError: { state: true },
    errors: { state: true },
    problem: { state: true },
    dirty: { state: true },
    changedElsewhere: { state: true },
    deletedElsewhere: { state: true },
    saving: { state: true },
  };

  constructor() {
    super();
    this.tab = 'form';
    this.errors = {};
    this.schemas = [];
  }

  liveHandlers() {
    return { event: (e) => this.eventArrived(e.detail) };
  }

  connectedCallback() {
    super.connectedCallback();
    // Closing or reloading the tab with unsaved changes asks first.
    this.guard = (e) => { if (this.dirty) e.preventDefault(); };
    window.addEventListener('beforeunload', this.guard);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('beforeunload', this.guard);
  }

  willUpdate(changed) {
    if (changed.has('blobId') || changed.has('creating')) {
      this.reset();
      if (this.blobId) this.loadBlob();
      else if (this.creating) this.startNew();
    }
  }

  reset() {
    this.blob = null;
    this.schema = null;
    this.data = undefined;
    this.errors = {};
    this.problem = null;
    this.dirty = false;
    this.changedElsewhere = false;
    this.deletedElsewhere = false;
    this.rawError = null;
    this.rawText = null;
  }

  async loadBlob() {
    const blobId = this.blobId;
    try {
      const blob = await this.api.get(`/blobs/${blobId}`);
      const schema = await this.api.get(`/schemas/${encodeURIComponent(blob.schemaId)}/versions/${blob.schemaVersion}`);
      if (blobId !== this.blobId) return;
      this.blob = blob;
      this.schema = schema;
      this.data = blob.data;
      this.rawText = null;
      this.dirty = false;
      this.changedElsewhere = false;
      this.errors = {};
      this.problem = null;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.problem = e.status === 404 ? 'This blob does not exist any more, or is not shared with you.' : e.message;
    }
  }

  async startNew() {
    this.schemas = await this.api.all('/schemas');
    if (this.schemas.length) await this.chooseSchema(this.schemaId && this.schemas.some((s) => s.id === this.schemaId)
      ? this.schemaId : this.schemas[0].id);
  }

  async chooseSchema(schemaId) {
    this.schemaId = schemaId;
    this.schema = await this.api.get(`/schemas/${encodeURIComponent(schemaId)}`);
    this.data = initial(this.schema.schema, this.schema.schema);
    this.rawText = null;
    this.errors = {};
  }

  /** Only the newest change from elsewhere matters; our own save already brought its version. */
  eventArrived(event) {
    if (!this.blob || event.blobId !== this.blob.id) return;
    if (event.type === 'blob.deleted') {
      this.deletedElsewhere = true;
    } else if (event.type === 'blob.derived') {
      this.api.get(`/blobs/${this.blob.id}`).then((fresh) => {
        if (fresh.version === this.blob?.version) this.blob = { ...this.blob, derived: fresh.derived };
      }).catch(() => {});
    } else if (event.version > this.blob.version) {
      if (this.dirty) this.changedElsewhere = true;
      else this.loadBlob();
    }
  }

  edit(data) {
    this.data = data;
    this.dirty = true;
  }

  rawInput(text) {
    this.rawText = text;
    try {
      this.data = JSON.parse(text);
      this.rawError = null;
      this.dirty = true;
    } catch (e) {
      this.rawError = `Not valid JSON: ${e.message}`;
    }
  }

  showTab(tab) {
    if (tab === this.tab || (tab === 'form' && this.rawError)) return;
    this.tab = tab;
    this.rawText = null;
  }

  async save(event, overwrite = false) {
    event?.preventDefault();
    if (this.rawError) return;
    this.saving = true;
    this.problem = null;
    try {
      if (this.blob) {
        const version = overwrite ? (await this.api.get(`/blobs/${this.blob.id}`)).version : this.blob.version;
        this.blob = await this.api.put(`/blobs/${this.blob.id}`, { data: this.data ?? null, schemaVersion: this.blob.schemaVersion },
          { 'If-Match': `"${version}"` });
        this.data = this.blob.data;
        this.toast('Saved');
      } else {
        const blob = await this.api.post(`/buckets/${this.bucketId}/blobs`, { schemaId: this.schemaId, data: this.data ?? null });
        this.dirty = false;
        this.toast('Created');
        location.hash = links.blob(blob.bucketId, blob.id);
        return;
      }
      this.dirty = false;
      this.changedElsewhere = false;
      this.errors = {};
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 412) {
        await this.conflict();
        return;
      }
      this.errors = e.fieldErrors('/data');
      const unplaced = Object.keys(this.errors).filter((p) => !p.startsWith('/') && p !== '');
      this.problem = e.status === 422 ? `${e.message}${unplaced.length ? `: ${unplaced.map((p) => this.errors[p]).join('; ')}` : ''}` : e.message;
      if (e.status === 422) await this.focusFirstError();
    } finally {
      this.saving = false;
    }
  }

  async focusFirstError() {
    await this.updateComplete;
    this.querySelector('[aria-invalid="true"]')?.focus();
  }

  async conflict() {
    await this.updateComplete;
    const choice = await openDialog(this.querySelector('dialog.conflict'));
    if (choice === 'reload') await this.loadBlob();
    else if (choice === 'overwrite') await this.save(null, true);
  }

  async deleteBlob() {
    const choice = await openDialog(this.querySelector('dialog.delete'));
    if (choice !== 'delete') return;
    try {
      await this.api.request('DELETE', `/blobs/${this.blob.id}`, { headers: { 'If-Match': `"${this.blob.version}"` } });
      this.toast('Deleted');
      location.hash = links.bucket(this.blob.bucketId);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.problem = e.status === 412 ? 'It changed since you opened it; look at the new version before deleting.' : e.message;
      if (e.status === 412) this.changedElsewhere = true;
    }
  }

  render() {
    if (!this.blobId && !this.creating) return html`<p class="empty">Choose a blob, or create one.</p>`;
    const back = html`<a class="back button" href=${this.bucketId ? links.bucket(this.bucketId) : '#/'}>← Blobs</a>`;
    if (this.creating && !this.schemas.length && !this.schema) {
      return html`${back}<p class="empty">There is no schema yet. <a href="#/schemas">Create one</a> to describe your content.</p>`;
    }
    if (!this.schema) return html`${back}${this.problem ? html`<p class="form-error" role="alert">${this.problem}</p>` : html`<p class="muted">Loading…</p>`}`;
    const b = this.blob;
    return html`${back}
      <form @submit=${this.save} novalidate aria-labelledby="editor-title">
        <div class="pane-head">
          <h2 id="editor-title">${b ? b.title || 'Untitled' : 'New blob'}</h2>
          <div class="row">
            ${b ? html`<button type="button" class="danger" @click=${this.deleteBlob}>Delete</button>` : ''}
            <button type="submit" class="primary" ?disabled=${this.saving || !!this.rawError || this.deletedElsewhere}>${b ? 'Save' : 'Create'}</button>
          </div>
        </div>
        ${b ? html`<p class="small muted blob-meta">${b.schemaId} v${b.schemaVersion} · version ${b.version} · updated ${ago(b.updatedAt)}${this.dirty ? ' · unsaved changes' : ''}</p>` : html`
          <div class="field"><label for="new-schema">Schema</label>
            <select id="new-schema" @change=${(e) => this.chooseSchema(e.target.value)}>
              ${this.schemas.map((s) => html`<option value=${s.id} ?selected=${s.id === this.schemaId}>${s.name} (${s.id})</option>`)}
            </select></div>`}
        ${this.deletedElsewhere ? html`<div class="banner warn" role="alert">This blob was deleted elsewhere.</div>` : ''}
        ${this.changedElsewhere && !this.deletedElsewhere ? html`<div class="banner" role="alert">Someone saved a newer version.
          <button type="button" class="link" @click=${this.loadBlob}>Load it</button> (your changes here are dropped)</div>` : ''}
        ${this.problem ? html`<div class="form-error" role="alert">${this.problem}</div>` : ''}
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected=${this.tab === 'form' ? 'true' : 'false'} @click=${() => this.showTab('form')}>Form</button>
          <button type="button" role="tab" aria-selected=${this.tab === 'json' ? 'true' : 'false'} @click=${() => this.showTab('json')}>JSON</button>
        </div>
        ${this.tab === 'form'
          ? html`<reyna-schema-form .studio=${this.studio} .schema=${this.schema.schema} .value=${this.data} .errors=${this.errors}
                   @value-change=${(e) => this.edit(e.detail)}></reyna-schema-form>`
          : html`<div class="field"><label for="raw-json">Data as JSON</label>
              <textarea id="raw-json" class="code" spellcheck="false" .value=${live(this.rawText ?? JSON.stringify(this.data ?? null, null, 2))}
                        aria-invalid=${this.rawError || Object.keys(this.errors).length ? 'true' : 'false'} aria-describedby="raw-json-error"
                        @input=${(e) => this.rawInput(e.target.value)}></textarea>
              ${this.rawError || Object.keys(this.errors).length ? html`<div class="field-error" id="raw-json-error" role="alert">
                ${this.rawError ?? Object.entries(this.errors).map(([p, m]) => html`<div><code>${p || '/'}</code> ${m}</div>`)}</div>` : ''}
            </div>`}
      </form>
      ${b ? html`<reyna-derived .derived=${b.derived}></reyna-derived>
        <reyna-attachments .studio=${this.studio} .blobId=${b.id}></reyna-attachments>` : ''}
      <dialog class="conflict" aria-labelledby="conflict-title"><form method="dialog">
        <h2 id="conflict-title">Someone saved this blob after you opened it</h2>
        <p>Reload to see their version (your changes here are dropped), or overwrite theirs with yours.</p>
        <div class="row" style="justify-content:flex-end">
          <button value="">Cancel</button><button value="reload">Reload</button><button value="overwrite" class="danger">Overwrite</button>
        </div></form></dialog>
      <dialog class="delete" aria-labelledby="delete-title"><form method="dialog">
        <h2 id="delete-title">Delete “${b?.title || 'Untitled'}”?</h2>
        <p>The blob and its files are deleted. This cannot be undone.</p>
        <div class="row" style="justify-content:flex-end"><button value="">Cancel</button><button value="delete" class="danger">Delete</button></div>
      </form></dialog>`;
  }
}

customElements.define('reyna-blob-editor', BlobEditor);
