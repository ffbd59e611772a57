import { html } from 'lit';
import { ApiError } from './api.js';
import { View, byName, debounce, links, openDialog, fieldError } from './view.js';
import './share-dialog.js';

const BUCKET = 'application/x-reyna-bucket';
export const BLOB = 'application/x-reyna-blob';

/**
 * The bucket tree: the user's own buckets (children loaded when a bucket is opened) and those
 * shared with them. Buckets are created, renamed, moved (drag and drop, or "Move" for the
 * keyboard) and deleted here; blobs dragged from the list onto a bucket move there.
 */
class BucketTree extends View {
  static properties = {
    selected: {},
    branches: { state: true },
    expanded: { state: true },
    shared: { state: true },
    dialog: { state: true },
    dialogError: { state: true },
    dropTarget: { state: true },
    current: { state: true },
  };

  constructor() {
    super();
    this.branches = new Map(); // parent id ('' for the top level) → its buckets
    this.expanded = new Set();
    this.shared = [];
    this.dialog = null;
    this.dialogError = null;
    this.reloadSoon = debounce(() => this.reload(), 150);
  }

  liveHandlers() {
    const reload = () => this.reload();
    return {
      event: (e) => {
        const type = e.detail.type;
        if (type.startsWith('bucket.')) this.reloadSoon();
        if (type.startsWith('share.')) this.loadShared();
      },
      resync: reload,
      caughtup: reload,
    };
  }

  connectedCallback() {
    super.connectedCallback();
    this.reload();
  }

  willUpdate(changed) {
    if (changed.has('selected')) this.loadCurrent();
  }

  /** The selected bucket, also when it sits deeper than the opened branches (a link, a reload). */
  async loadCurrent() {
    const id = this.selected;
    this.current = id ? this.find(id) : null;
    if (id && !this.current) {
      try {
        const bucket = await this.api.get(`/buckets/${id}`);
        if (this.selected === id) this.current = bucket;
      } catch {
        this.current = null;
      }
    }
  }

  isOwn(bucket) {
    return bucket?.ownerId === this.studio.session.user?.id;
  }

  async reload() {
    const parents = ['', ...this.expanded];
    const loaded = await Promise.all(parents.map((id) => this.load(id).catch(() => null)));
    const next = new Map();
    parents.forEach((id, i) => { if (loaded[i]) next.set(id, loaded[i]); });
    this.branches = next;
    this.loadShared();
    this.loadCurrent();
  }

  /** A branch, whole and by name (the server lists buckets in creation order). */
  async load(parentId) {
    const buckets = await this.api.all(parentId ? `/buckets?parentId=${parentId}` : '/buckets');
    return buckets.sort(byName);
  }

  async loadShared() {
    try {
      this.shared = await this.api.all('/shared-with-me');
    } catch {
      this.shared = [];
    }
  }

  async toggle(bucket) {
    const expanded = new Set(this.expanded);
    if (expanded.has(bucket.id)) {
      expanded.delete(bucket.id);
    } else {
      expanded.add(bucket.id);
      const children = await this.load(bucket.id);
      this.branches = new Map(this.branches).set(bucket.id, children);
    }
    this.expanded = expanded;
  }

  /** The bucket with this id among those loaded (own or shared). */
  find(id) {
    for (const list of this.branches.values()) {
      const found = list.find((b) => b.id === id);
      if (found) return found;
    }
    return this.shared.map((s) => s.bucket).find((b) => b.id === id) ?? null;
  }

  // Dialogs: one <dialog> whose content depends on what is asked.

  async ask(kind) {
    this.dialog = kind;
    this.dialogError = null;
    await this.updateComplete;
    const dialog = this.querySelector('dialog.tree-dialog');
    await openDialog(dialog);
    this.dialog = null;
  }

  async submitDialog(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const selected = this.current;
    try {
      if (this.dialog === 'create') {
        const parentId = form.get('inside') && selected ? selected.id : null;
        const bucket = await this.api.post('/buckets', { name: form.get('name'), parentId });
        if (parentId) this.expanded = new Set(this.expanded).add(parentId);
        location.hash = links.bucket(bucket.id);
      } else if (this.dialog === 'rename') {
        await this.api.patch(`/buckets/${selected.id}`, { name: form.get('name') });
      } else if (this.dialog === 'move') {
        await this.move(selected.id, form.get('parent') || null);
      } else if (this.dialog === 'delete') {
        await this.api.request('DELETE', `/buckets/${selected.id}?recursive=true`);
        location.hash = '#/';
      }
      this.querySelector('dialog.tree-dialog').close('done');
      await this.reload();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.dialogError = e.fieldErrors()['/name'] ?? e.fieldErrors()['/parentId'] ?? e.message;
    }
  }

  async move(bucketId, parentId) {
    await this.api.patch(`/buckets/${bucketId}`, { parentId });
    if (parentId) this.expanded = new Set(this.expanded).add(parentId);
  }

  // Drag and drop: a bucket onto another bucket (or the top-level zone), or a blob onto a bucket.

  dragStart(event, bucket) {
    event.dataTransfer.setData(BUCKET, bucket.id);
    event.dataTransfer.effectAllowed = 'move';
  }

  dragOver(event, targetId) {
    const types = event.dataTransfer.types;
    if (types.includes(BUCKET) || (targetId && types.includes(BLOB))) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      this.dropTarget = targetId ?? 'root';
    }
  }

  async drop(event, targetId) {
    event.preventDefault();
    this.dropTarget = null;
    const bucketId = event.dataTransfer.getData(BUCKET);
    const blobId = event.dataTransfer.getData(BLOB);
    try {
      if (bucketId && bucketId !== targetId) {
        await this.move(bucketId, targetId ?? null);
        this.toast(`Moved “${this.find(bucketId)?.name ?? 'bucket'}”`);
        await this.reload();
      } else if (blobId && targetId) {
        await this.api.patch(`/blobs/${blobId}`, { bucketId: targetId });
        this.toast('Blob moved');
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.toast(e.message);
    }
  }

  renderBranch(parentId) {
    const buckets = this.branches.get(parentId) ?? [];
    if (!buckets.length) return parentId === '' ? html`<p class="muted small">No buckets yet.</p>` : '';
    return html`<ul>${buckets.map((b) => this.renderNode(b, true))}</ul>`;
  }

  renderNode(bucket, own) {
    const open = this.expanded.has(bucket.id);
    const classes = `tree-item${this.selected === bucket.id ? ' selected' : ''}${this.dropTarget === bucket.id ? ' drop-target' : ''}`;
    return html`<li>
      <div class=${classes} draggable=${own ? 'true' : 'false'}
           @dragstart=${(e) => this.dragStart(e, bucket)}
           @dragover=${(e) => this.dragOver(e, bucket.id)}
           @dragleave=${() => { this.dropTarget = null; }}
           @drop=${(e) => this.drop(e, bucket.id)}>
        ${own ? html`<button class="toggle" aria-expanded=${open ? 'true' : 'false'} aria-label="${open ? 'Close' : 'Open'} ${bucket.name}"
                             @click=${() => this.toggle(bucket)}>${open ? '▾' : '▸'}</button>` : html`<span class="toggle"></span>`}
        <a class="name button" href=${links.bucket(bucket.id)} aria-current=${this.selected === bucket.id ? 'true' : 'false'}>${bucket.name}</a>
      </div>
      ${own && open ? this.renderBranch(bucket.id) : ''}
    </li>`;
  }

  renderDialog() {
    const selected = this.current;
    const error = this.dialogError;
    let body;
    switch (this.dialog) {
      case 'create':
        body = html`<h2>New bucket</h2>
          <div class="field"><label for="bucket-name">Name</label>
            <input id="bucket-name" name="name" required autofocus aria-invalid=${error ? 'true' : 'false'} aria-describedby="bucket-name-error">
            ${fieldError('bucket-name', error)}</div>
          ${this.isOwn(selected) ? html`<div class="field"><label class="inline">
            <input type="checkbox" name="inside" checked> Inside “${selected.name}”</label></div>` : ''}`;
        break;
      case 'rename':
        body = html`<h2>Rename “${selected?.name}”</h2>
          <div class="field"><label for="bucket-name">Name</label>
            <input id="bucket-name" name="name" required autofocus .value=${selected?.name ?? ''} aria-describedby="bucket-name-error">
            ${fieldError('bucket-name', error)}</div>`;
        break;
      case 'move': {
        const targets = [...this.branches.values()].flat().filter((b) => b.id !== selected?.id);
        body = html`<h2>Move “${selected?.name}”</h2>
          <div class="field"><label for="bucket-parent">Into</label>
            <select id="bucket-parent" name="parent">
              <option value="">The top level</option>
              ${targets.map((b) => html`<option value=${b.id}>${b.name}</option>`)}
            </select>${fieldError('bucket-parent', error)}</div>`;
        break;
      }
      case 'delete':
        body = html`<h2>Delete “${selected?.name}”?</h2>
          <p>The bucket, its buckets and all their blobs and files are deleted. This cannot be undone.</p>
          ${error ? html`<div class="form-error" role="alert">${error}</div>` : ''}`;
        break;
      default:
        return html`<dialog class="tree-dialog"></dialog>`;
    }
    return html`<dialog class="tree-dialog" aria-label="Bucket">
      <form @submit=${this.submitDialog} novalidate>
        ${body}
        <div class="row" style="justify-content:flex-end">
          <button type="button" @click=${() => this.querySelector('dialog.tree-dialog').close('')}>Cancel</button>
          <button type="submit" class=${this.dialog === 'delete' ? 'danger' : 'primary'}>${
            { create: 'Create', rename: 'Rename', move: 'Move', delete: 'Delete' }[this.dialog]}</button>
        </div>
      </form>
    </dialog>`;
  }

  render() {
    const selected = this.current;
    const own = this.isOwn(selected);
    return html`
      <div class="pane-head">
        <h2 id="tree-title">Buckets</h2>
        <button class="primary" @click=${() => this.ask('create')}>New bucket</button>
      </div>
      ${own ? html`<div class="row toolbar" role="toolbar" aria-label="Selected bucket">
        <button @click=${() => this.ask('rename')}>Rename</button>
        <button @click=${() => this.ask('move')}>Move</button>
        <button @click=${() => this.querySelector('reyna-share-dialog').open(selected)}>Share</button>
        <button class="danger" @click=${() => this.ask('delete')}>Delete</button>
      </div>` : ''}
      <nav aria-labelledby="tree-title" style="margin-top:.6rem">${this.renderBranch('')}</nav>
      <div class="root-drop ${this.dropTarget === 'root' ? 'drop-target' : ''}"
           @dragover=${(e) => this.dragOver(e, null)} @dragleave=${() => { this.dropTarget = null; }}
           @drop=${(e) => this.drop(e, null)}>Drop a bucket here to move it to the top level</div>
      ${this.shared.length ? html`<div class="tree-section" id="shared-title">Shared with me</div>
        <nav aria-labelledby="shared-title"><ul>${this.shared.map((s) => this.renderNode(s.bucket, false))}</ul></nav>` : ''}
      ${this.renderDialog()}
      <reyna-share-dialog .studio=${this.studio}></reyna-share-dialog>`;
  }
}

customElements.define('reyna-tree', BucketTree);
