import { html } from 'lit';
import { ApiError, ago } from './api.js';
import { View, fieldError, openDialog } from './view.js';

/** Who a bucket is shared with, and its public read-only links. Only the owner opens it. */
class ShareDialog extends View {
  static properties = {
    bucket: { state: true },
    shares: { state: true },
    links: { state: true },
    errors: { state: true },
    newLink: { state: true },
  };

  constructor() {
    super();
    this.bucket = null;
    this.shares = [];
    this.links = [];
    this.errors = {};
    this.newLink = null;
  }

  async open(bucket) {
    this.bucket = bucket;
    this.errors = {};
    this.newLink = null;
    await this.load();
    await this.updateComplete;
    await openDialog(this.querySelector('dialog'));
  }

  async load() {
    [this.shares, this.links] = await Promise.all([
      this.api.all(`/buckets/${this.bucket.id}/shares`),
      this.api.all(`/buckets/${this.bucket.id}/links`),
    ]);
  }

  async share(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await this.api.post(`/buckets/${this.bucket.id}/shares`, { email: form.get('email'), access: form.get('access') });
      event.target.reset();
      this.errors = {};
      await this.load();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const fields = e.fieldErrors();
      this.errors = { email: fields['/email'] ?? (fields['/access'] ? null : e.message), access: fields['/access'] };
    }
  }

  async setAccess(share, access) {
    await this.api.post(`/buckets/${this.bucket.id}/shares`, { email: share.email, access });
    await this.load();
  }

  async unshare(share) {
    await this.api.delete(`/buckets/${this.bucket.id}/shares/${share.userId}`);
    await this.load();
  }

  async createLink(event) {
    event.preventDefault();
    const days = Number(new FormData(event.target).get('days'));
    const expiresAt = days ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined;
    try {
      const link = await this.api.post(`/buckets/${this.bucket.id}/links`, expiresAt ? { expiresAt } : {});
      this.newLink = `${location.origin}/#/public/${link.token}`;
      await this.load();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.errors = { link: e.message };
    }
  }

  async revoke(link) {
    await this.api.delete(`/buckets/${this.bucket.id}/links/${link.id}`);
    await this.load();
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.newLink);
      this.toast('Link copied');
    } catch {
      this.querySelector('#new-link').select();
    }
  }

  render() {
    if (!this.bucket) return html`<dialog></dialog>`;
    return html`<dialog aria-labelledby="share-title">
      <h2 id="share-title">Share “${this.bucket.name}”</h2>
      <form @submit=${this.share} novalidate class="stack">
        <div class="row" style="align-items:flex-end">
          <div style="flex:1 1 12rem"><label for="share-email">Email of a user</label>
            <input id="share-email" name="email" type="email" required aria-describedby="share-email-error"
                   aria-invalid=${this.errors.email ? 'true' : 'false'}></div>
          <div><label for="share-access">Access</label>
            <select id="share-access" name="access"><option value="read">Can read</option><option value="write">Can edit</option></select></div>
          <button class="primary" type="submit">Share</button>
        </div>
        ${fieldError('share-email', this.errors.email)}${fieldError('share-access', this.errors.access)}
      </form>
      <h3 style="margin-top:1rem">People with access</h3>
      ${this.shares.length ? html`<table><tbody>${this.shares.map((s) => html`<tr>
          <td>${s.displayName}<div class="small muted">${s.email}</div></td>
          <td><label class="visually-hidden" for="access-${s.userId}">Access of ${s.email}</label>
            <select id="access-${s.userId}" @change=${(e) => this.setAccess(s, e.target.value)}>
              <option value="read" ?selected=${s.access === 'read'}>Can read</option>
              <option value="write" ?selected=${s.access === 'write'}>Can edit</option></select></td>
          <td><button class="link" @click=${() => this.unshare(s)} aria-label="Stop sharing with ${s.email}">Remove</button></td>
        </tr>`)}</tbody></table>` : html`<p class="muted small">Only you.</p>`}
      <h3 style="margin-top:1rem">Public read-only links</h3>
      <form @submit=${this.createLink} class="row" style="align-items:flex-end">
        <div><label for="link-days">Expires</label>
          <select id="link-days" name="days"><option value="0">Never</option><option value="1">In a day</option>
            <option value="7">In a week</option><option value="30">In 30 days</option></select></div>
        <button type="submit">Create link</button>
      </form>
      ${fieldError('link', this.errors.link)}
      ${this.newLink ? html`<div class="banner" style="margin-top:.6rem">
          <label for="new-link">Anyone with this link can read the bucket. It is shown only now.</label>
          <div class="row"><input id="new-link" readonly .value=${this.newLink} style="flex:1">
            <button @click=${this.copy}>Copy</button></div></div>` : ''}
      ${this.links.length ? html`<table style="margin-top:.6rem"><tbody>${this.links.map((l) => html`<tr>
          <td>Created ${ago(l.createdAt)}</td><td>${l.expiresAt ? `expires ${new Date(l.expiresAt).toLocaleDateString()}` : 'never expires'}</td>
          <td><button class="link" @click=${() => this.revoke(l)}>Revoke</button></td></tr>`)}</tbody></table>` : ''}
      <form method="dialog" class="row" style="justify-content:flex-end;margin-top:1rem"><button>Close</button></form>
    </dialog>`;
  }
}

customElements.define('reyna-share-dialog', ShareDialog);
