import { html } from 'lit';
import { Api } from './api.js';
import { Live } from './live.js';
import { Session } from './session.js';
import { View, route } from './view.js';
import './auth-view.js';
import './bucket-tree.js';
import './blob-list.js';
import './blob-editor.js';
import './schemas-view.js';
import './settings-view.js';
import './public-view.js';

const THEME = 'reyna.theme';

/** The shell: signs in, then shows the workspace (tree, list, editor) or another screen by the URL. */
class ReynaApp extends View {
  static properties = { route: { state: true }, user: { state: true }, liveState: { state: true }, message: { state: true } };

  constructor() {
    super();
    const session = new Session();
    const live = new Live(session);
    this.studio = { session, api: new Api(session), live, toast: (m) => this.showToast(m) };
    this.route = route();
    this.user = session.user;
    this.liveState = live.state;
    window.addEventListener('hashchange', () => { this.route = route(); });
    session.addEventListener('change', () => this.sessionChanged());
    live.addEventListener('state', () => { this.liveState = live.state; });
    applyTheme(localStorage.getItem(THEME));
    if (session.signedIn) live.start();
  }

  sessionChanged() {
    this.user = this.studio.session.user;
    if (this.user) this.studio.live.start();
    else this.studio.live.stop();
  }

  async signOut() {
    const { session, api } = this.studio;
    try {
      await api.post('/auth/logout', { refreshToken: session.state?.refreshToken });
    } catch {
      // Signed out here either way; the server forgets the refresh token when it expires.
    }
    session.clear();
    location.hash = '#/';
  }

  toggleTheme() {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    const next = dark ? 'light' : 'dark';
    localStorage.setItem(THEME, next);
    applyTheme(next);
  }

  showToast(message) {
    this.message = message;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.message = null; }, 4000);
  }

  render() {
    const r = this.route;
    let body;
    if (r.page === 'public') {
      body = html`<main class="page"><reyna-public .studio=${this.studio} .route=${r}></reyna-public></main>`;
    } else if (!this.user) {
      body = html`<main class="page"><reyna-auth .studio=${this.studio}></reyna-auth></main>`;
    } else if (r.page === 'schemas') {
      body = html`<main class="page"><reyna-schemas .studio=${this.studio} .schemaId=${r.schemaId}></reyna-schemas></main>`;
    } else if (r.page === 'settings') {
      body = html`<main class="page"><reyna-settings .studio=${this.studio}></reyna-settings></main>`;
    } else {
      const pane = r.blobId || r.newBlob ? 'editor' : r.bucketId ? 'list' : 'tree';
      body = html`<main class="workspace" data-pane=${pane}>
        <section class="pane tree" aria-label="Buckets">
          <reyna-tree .studio=${this.studio} .selected=${r.bucketId}></reyna-tree>
        </section>
        <section class="pane list" aria-label="Blobs">
          <reyna-blob-list .studio=${this.studio} .bucketId=${r.bucketId} .blobId=${r.blobId}></reyna-blob-list>
        </section>
        <section class="pane editor" aria-label="Editor">
          <reyna-blob-editor .studio=${this.studio} .bucketId=${r.bucketId} .blobId=${r.blobId} .creating=${r.newBlob}></reyna-blob-editor>
        </section>
      </main>`;
    }
    return html`
      <header class="topbar">
        <a class="brand" href="#/" aria-label="ReYNa Studio, home"><img src="/favicon.svg" alt="" width="22" height="22"><span>ReYNa Studio</span></a>
        ${this.user && r.page !== 'public' ? html`
          <nav aria-label="Main">
            <a href="#/" aria-current=${r.page === 'workspace' ? 'page' : 'false'}>Content</a>
            <a href="#/schemas" aria-current=${r.page === 'schemas' ? 'page' : 'false'}>Schemas</a>
            <a href="#/settings" aria-current=${r.page === 'settings' ? 'page' : 'false'}>Settings</a>
          </nav>
          <span class="live-status" data-state=${this.liveState} role="status" aria-live="polite">${
            { live: 'Live', connecting: 'Connecting…', offline: 'Offline' }[this.liveState]}</span>
          <span class="small muted user-name" title=${this.user.email}>${this.user.displayName}</span>
          <button class="link" @click=${this.signOut}>Sign out</button>` : ''}
        <button class="link" @click=${this.toggleTheme} aria-label="Switch between light and dark">◐</button>
      </header>
      ${body}
      ${this.message ? html`<div class="toast" role="status">${this.message}</div>` : ''}`;
  }
}

function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
}

customElements.define('reyna-app', ReynaApp);
