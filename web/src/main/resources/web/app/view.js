import { LitElement, html } from 'lit';

/**
 * The base of every screen: renders into the page rather than a shadow root, so the one
 * stylesheet, label/for pairs and focus handling reach it. `studio` is {session, api, live, toast}.
 */
export class View extends LitElement {
  static properties = { studio: { attribute: false } };

  createRenderRoot() { return this; }

  /**
   * The handlers of live messages ('event', 'resync', 'caughtup') this screen wants, by type;
   * they are attached while it is in the page.
   */
  liveHandlers() { return {}; }

  connectedCallback() {
    super.connectedCallback();
    this.attached = Object.entries(this.liveHandlers());
    for (const [type, handler] of this.attached) this.studio.live.addEventListener(type, handler);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    for (const [type, handler] of this.attached ?? []) this.studio.live.removeEventListener(type, handler);
    this.attached = [];
  }

  get api() { return this.studio.api; }

  toast(message) { this.studio.toast(message); }
}

/** Where the app is: the part of the URL after '#'. */
export function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, ...rest] = parts;
  switch (first) {
    case 'schemas': return { page: 'schemas', schemaId: rest[0] ?? null };
    case 'settings': return { page: 'settings' };
    case 'public': return { page: 'public', token: rest[0], bucketId: rest[2] ?? null, blobId: rest[4] ?? null, kind: rest[1] ?? null };
    case 'buckets': return { page: 'workspace', bucketId: rest[0] ?? null, blobId: rest[1] === 'blobs' ? rest[2] ?? null : null, newBlob: rest[1] === 'new' };
    default: return { page: 'workspace', bucketId: null, blobId: null, newBlob: false };
  }
}

export const links = {
  bucket: (bucketId) => `#/buckets/${bucketId}`,
  blob: (bucketId, blobId) => `#/buckets/${bucketId}/blobs/${blobId}`,
  newBlob: (bucketId) => `#/buckets/${bucketId}/new`,
  schema: (schemaId) => `#/schemas/${encodeURIComponent(schemaId)}`,
  publicBucket: (token, bucketId) => `#/public/${token}/buckets/${bucketId}`,
  publicBlob: (token, bucketId, blobId) => `#/public/${token}/buckets/${bucketId}/blobs/${blobId}`,
};

/** The message under a field, tied to it by id for screen readers. */
export function fieldError(id, message) {
  return message ? html`<div class="field-error" id="${id}-error" role="alert">${message}</div>` : '';
}

/** Shows a modal <dialog> rendered in `host`; resolves with the value of the button that closed it. */
export function openDialog(dialog) {
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

/** Orders buckets by name as people read them ("Day 2" before "Day 10"). */
export function byName(a, b) {
  return a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
}

/** `fn` called once calls stop arriving for `ms`: a burst of live events reloads a screen once. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
