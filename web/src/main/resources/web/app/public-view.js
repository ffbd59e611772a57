import { html } from 'lit';
import { ApiError, ago } from './api.js';
import { View, links } from './view.js';
import './derived-view.js';
import './attachments-view.js';

/**
 * The read-only page of a public link: the linked bucket, its buckets and blobs, and one blob's
 * content. No account needed; every call goes through /api/v1/public/{token}.
 */
class PublicView extends View {
  static properties = {
    route: { attribute: false },
    root: { state: true },
    bucket: { state: true },
    buckets: { state: true },
    blobs: { state: true },
    nextCursor: { state: true },
    blob: { state: true },
    problem: { state: true },
  };

  willUpdate(changed) {
    if (changed.has('route')) this.load();
  }

  get base() { return `/public/${encodeURIComponent(this.route.token)}`; }

  anonymous(path) { return this.api.request('GET', `${this.base}${path}`, { anonymous: true }); }

  async load() {
    const { bucketId, blobId } = this.route;
    try {
      this.problem = null;
      this.root = await this.anonymous('');
      const id = bucketId ?? this.root.id;
      if (blobId) {
        this.blob = await this.anonymous(`/blobs/${blobId}`);
        this.bucket = await this.anonymous(`/buckets/${this.blob.bucketId}`);
      } else {
        this.blob = null;
        const [bucket, buckets, page] = await Promise.all([
          id === this.root.id ? this.root : this.anonymous(`/buckets/${id}`),
          this.anonymous(`/buckets?parentId=${id}&limit=200`),
          this.anonymous(`/buckets/${id}/blobs?limit=50`),
        ]);
        this.bucket = bucket;
        this.buckets = buckets.items;
        this.blobs = page.items;
        this.nextCursor = page.nextCursor;
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.problem = e.status === 404 ? 'This link does not exist, has expired or was revoked.' : e.message;
    }
  }

  async more() {
    const page = await this.anonymous(`/buckets/${this.bucket.id}/blobs?limit=50&cursor=${encodeURIComponent(this.nextCursor)}`);
    this.blobs = [...this.blobs, ...page.items];
    this.nextCursor = page.nextCursor;
  }

  render() {
    if (this.problem) return html`<div class="card"><h1>Not available</h1><p role="alert">${this.problem}</p></div>`;
    if (!this.root) return html`<p class="muted">Loading…</p>`;
    const token = this.route.token;
    const up = this.bucket && this.bucket.id !== this.root.id
      ? html`<a href=${links.publicBucket(token, this.bucket.parentId ?? this.root.id)}>← Up</a>` : '';
    if (this.blob) {
      const b = this.blob;
      return html`<article class="card stack">
        <a href=${links.publicBucket(token, b.bucketId)}>← ${this.bucket?.name ?? 'Back'}</a>
        <h1>${b.title || 'Untitled'}</h1>
        <p class="small muted">Updated ${ago(b.updatedAt)} · read-only</p>
        ${renderValue(b.data)}
        <reyna-derived .derived=${b.derived}></reyna-derived>
        <reyna-attachments .studio=${this.studio} .blobId=${b.id} .publicBase=${this.base}></reyna-attachments>
      </article>`;
    }
    return html`<section class="card stack" aria-labelledby="public-title">
      ${up}
      <h1 id="public-title">${this.bucket?.name}</h1>
      <p class="small muted">Shared read-only through a link.</p>
      <ul class="blob-list">
        ${(this.buckets ?? []).map((c) => html`<li><a href=${links.publicBucket(token, c.id)}><span class="title">📁 ${c.name}</span></a></li>`)}
        ${(this.blobs ?? []).map((b) => html`<li><a href=${links.publicBlob(token, b.bucketId, b.id)}>
          <div class="title">${b.title || 'Untitled'}</div>${b.preview ? html`<div class="preview">${b.preview}</div>` : ''}</a></li>`)}
      </ul>
      ${!this.buckets?.length && !this.blobs?.length ? html`<p class="empty">Nothing here yet.</p>` : ''}
      ${this.nextCursor ? html`<button @click=${this.more}>Load more</button>` : ''}
    </section>`;
  }
}

/** Any JSON value as readable text: objects as labelled lists, arrays as numbered ones. */
function renderValue(value) {
  if (Array.isArray(value)) return html`<ol>${value.map((v) => html`<li>${renderValue(v)}</li>`)}</ol>`;
  if (value !== null && typeof value === 'object') {
    return html`<dl>${Object.entries(value).map(([k, v]) => html`<dt><strong>${k}</strong></dt><dd style="margin:0 0 .6rem 1rem">${renderValue(v)}</dd>`)}</dl>`;
  }
  return html`<span style="white-space:pre-wrap">${value === null ? '—' : String(value)}</span>`;
}

customElements.define('reyna-public', PublicView);
