import { html } from 'lit';
import { ApiError, bytes } from './api.js';
import { View } from './view.js';

/**
 * The files of a blob: upload (with progress), download, delete, and a preview of images.
 * Downloads need the access token, so they are fetched and handed to the browser as object URLs.
 * With `publicBase` (`/public/{token}`) it lists and downloads through a public link, read-only.
 */
class AttachmentsView extends View {
  static properties = {
    blobId: {},
    publicBase: {},
    items: { state: true },
    progress: { state: true },
    problem: { state: true },
    previews: { state: true },
  };

  constructor() {
    super();
    this.items = [];
    this.previews = {};
    this.progress = null;
  }

  liveHandlers() {
    return { event: (e) => { if (e.detail.blobId === this.blobId && e.detail.type.startsWith('attachment.')) this.load(); } };
  }

  willUpdate(changed) {
    if (changed.has('blobId') && this.blobId) this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    Object.values(this.previews).forEach((url) => URL.revokeObjectURL(url));
  }

  get base() { return `${this.publicBase ?? ''}/blobs/${this.blobId}/attachments`; }

  async load() {
    try {
      const page = await this.api.request('GET', `${this.base}?limit=200`, { anonymous: !!this.publicBase });
      this.items = page.items;
      for (const item of this.items) {
        if (item.contentType.startsWith('image/') && item.size < 5_000_000 && !this.previews[item.id]) this.preview(item);
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.problem = e.message;
    }
  }

  async fetchFile(item) {
    const headers = this.publicBase ? {} : { Authorization: `Bearer ${await this.studio.session.token()}` };
    const response = await fetch(`/api/v1${this.base}/${item.id}`, { headers });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    return response.blob();
  }

  async preview(item) {
    try {
      this.previews = { ...this.previews, [item.id]: URL.createObjectURL(await this.fetchFile(item)) };
    } catch {
      // No preview; the file is still listed and can be downloaded.
    }
  }

  async download(item) {
    try {
      const url = URL.createObjectURL(await this.fetchFile(item));
      const a = Object.assign(document.createElement('a'), { href: url, download: item.filename });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      this.problem = e.message;
    }
  }

  async deleteFile(item) {
    try {
      await this.api.delete(`${this.base}/${item.id}`);
      await this.load();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.problem = e.message;
    }
  }

  /** XMLHttpRequest rather than fetch: only it reports upload progress. */
  async upload(file) {
    this.problem = null;
    const token = await this.studio.session.token();
    await new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/api/v1${this.base}?filename=${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) this.progress = { name: file.name, done: e.loaded, total: e.total }; };
      xhr.onload = () => {
        if (xhr.status !== 201) {
          let problem = null;
          try { problem = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
          this.problem = new ApiError(xhr.status, problem).message;
        }
        resolve();
      };
      xhr.onerror = () => { this.problem = `${file.name} could not be uploaded: the connection broke.`; resolve(); };
      this.progress = { name: file.name, done: 0, total: file.size };
      xhr.send(file);
    });
    this.progress = null;
    await this.load();
  }

  async chosen(event) {
    for (const file of event.target.files) await this.upload(file);
    event.target.value = '';
  }

  render() {
    const readonly = !!this.publicBase;
    if (readonly && !this.items.length) return '';
    return html`<section class="card" style="margin-top:1rem" aria-labelledby="files-title">
      <div class="spread"><h3 id="files-title">Files</h3>
        ${readonly ? '' : html`<label class="button" for="file-input">Add files</label>
          <input id="file-input" type="file" multiple class="visually-hidden" @change=${this.chosen}>`}</div>
      ${this.progress ? html`<div><label for="upload-progress">Uploading ${this.progress.name}</label>
        <progress id="upload-progress" style="width:100%" max=${this.progress.total} value=${this.progress.done}></progress></div>` : ''}
      ${this.problem ? html`<div class="form-error" role="alert">${this.problem}</div>` : ''}
      ${this.items.length ? html`<table><tbody>${this.items.map((item) => html`<tr>
          <td>${this.previews[item.id] ? html`<img src=${this.previews[item.id]} alt="" style="max-width:4rem;max-height:4rem;display:block">` : ''}</td>
          <td>${item.filename}<div class="small muted">${item.contentType} · ${bytes(item.size)}</div></td>
          <td class="row" style="justify-content:flex-end">
            <button type="button" class="link" @click=${() => this.download(item)} aria-label="Download ${item.filename}">Download</button>
            ${readonly ? '' : html`<button type="button" class="link" @click=${() => this.deleteFile(item)} aria-label="Delete ${item.filename}">Delete</button>`}
          </td></tr>`)}</tbody></table>` : html`<p class="muted small">No files yet.</p>`}
    </section>`;
  }
}

customElements.define('reyna-attachments', AttachmentsView);
