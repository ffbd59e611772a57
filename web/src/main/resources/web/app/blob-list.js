import { html } from 'lit';
import { ApiError, ago } from './api.js';
import { View, byName, debounce, links } from './view.js';
import { BLOB } from './bucket-tree.js';

const SORTS = [
  ['-updated', 'Recently updated'],
  ['created', 'Oldest first'],
  ['-created', 'Newest first'],
  ['title', 'Title A–Z'],
];

/** The blobs of one bucket (and its sub-buckets, for going down a shared tree), sorted, a page at a time. */
class BlobList extends View {
  static properties = {
    bucketId: {},
    blobId: {},
    bucket: { state: true },
    buckets: { state: true },
    items: { state: true },
    nextCursor: { state: true },
    sort: { state: true },
    error: { state: true },
  };

  constructor() {
    super();
    this.items = [];
    this.buckets = [];
    this.sort = localStorage.getItem('reyna.sort') ?? '-updated';
    this.reloadSoon = debounce(() => this.load(true), 120);
  }

  liveHandlers() {
    const reload = () => this.load(true);
    return {
      event: (e) => {
        const event = e.detail;
        if (!this.bucketId) return;
        // A moved blob's event names only its new bucket: one listed here may have left.
        const here = event.bucketId === this.bucketId || event.data?.parentId === this.bucketId
          || this.items.some((b) => b.id === event.blobId) || this.buckets.some((b) => b.id === event.bucketId);
        if (here && (event.type.startsWith('blob.') || event.type.startsWith('bucket.'))) this.reloadSoon();
      },
      resync: reload,
      caughtup: reload,
    };
  }

  willUpdate(changed) {
    if (changed.has('bucketId') && this.bucketId) {
      this.items = [];
      this.bucket = null;
      this.load(false);
    }
  }

  /** The first page again, or as many items as are shown when `keep` (a live change, not a new bucket). */
  async load(keep) {
    const bucketId = this.bucketId;
    if (!bucketId) return;
    const limit = keep ? Math.min(Math.max(this.items.length, 50), 200) : 50;
    try {
      const [bucket, buckets, page] = await Promise.all([
        this.api.get(`/buckets/${bucketId}`),
        this.api.all(`/buckets?parentId=${bucketId}`),
        this.api.get(`/buckets/${bucketId}/blobs?limit=${limit}&sort=${this.sort}`),
      ]);
      if (bucketId !== this.bucketId) return;
      this.bucket = bucket;
      this.buckets = buckets.sort(byName);
      this.items = page.items;
      this.nextCursor = page.nextCursor;
      this.error = null;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.error = e.status === 404 ? 'This bucket does not exist, or is no longer shared with you.' : e.message;
    }
  }

  async more() {
    const page = await this.api.get(`/buckets/${this.bucketId}/blobs?limit=50&sort=${this.sort}&cursor=${encodeURIComponent(this.nextCursor)}`);
    this.items = [...this.items, ...page.items];
    this.nextCursor = page.nextCursor;
  }

  setSort(sort) {
    this.sort = sort;
    localStorage.setItem('reyna.sort', sort);
    this.load(false);
  }

  render() {
    if (!this.bucketId) return html`<p class="empty">Choose a bucket, or create one.</p>`;
    if (this.error) return html`<a class="back button" href="#/">← Buckets</a><p class="form-error" role="alert">${this.error}</p>`;
    return html`
      <a class="back button" href="#/">← Buckets</a>
      <div class="pane-head">
        <h2>${this.bucket?.name ?? '…'}</h2>
        <a class="button primary" href=${links.newBlob(this.bucketId)}>New blob</a>
      </div>
      <div class="row small" style="margin-bottom:.4rem">
        <label class="inline" for="blob-sort">Sort</label>
        <select id="blob-sort" style="width:auto" @change=${(e) => this.setSort(e.target.value)}>
          ${SORTS.map(([value, label]) => html`<option value=${value} ?selected=${value === this.sort}>${label}</option>`)}
        </select>
      </div>
      ${this.buckets.length ? html`<ul class="blob-list" aria-label="Buckets inside">${this.buckets.map((b) => html`<li>
          <a href=${links.bucket(b.id)}><span class="title">📁 ${b.name}</span></a></li>`)}</ul>` : ''}
      ${this.items.length ? html`<ul class="blob-list" aria-label="Blobs">${this.items.map((blob) => html`<li>
          <a href=${links.blob(this.bucketId, blob.id)} aria-current=${blob.id === this.blobId ? 'true' : 'false'} draggable="true"
             @dragstart=${(e) => { e.dataTransfer.setData(BLOB, blob.id); e.dataTransfer.effectAllowed = 'move'; }}>
            <div class="title">${blob.title || 'Untitled'}</div>
            ${blob.preview ? html`<div class="preview">${blob.preview}</div>` : ''}
            <div class="meta"><span>${blob.schemaId} v${blob.schemaVersion}</span>
              <span>updated <time datetime=${blob.updatedAt} title=${new Date(blob.updatedAt).toLocaleString()}>${ago(blob.updatedAt)}</time></span></div>
          </a></li>`)}</ul>`
        : html`<p class="empty">No blobs here yet.</p>`}
      ${this.nextCursor ? html`<button @click=${this.more} style="margin-top:.6rem">Load more</button>` : ''}`;
  }
}

customElements.define('reyna-blob-list', BlobList);
