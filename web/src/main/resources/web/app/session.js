// The signed-in session: its tokens live in localStorage so a reload (or a second tab) stays signed
// in. Refresh tokens are single use, so tabs must not refresh at once: a Web Lock serialises them,
// and a tab that finds a newer pair stored by another tab takes that one instead of refreshing.

const KEY = 'reyna.session';
const LOCK = 'reyna.session.refresh';

export class Session extends EventTarget {
  constructor() {
    super();
    this.state = read();
    this.timer = null;
    this.refreshing = null;
    // Another tab signed in, refreshed or signed out.
    window.addEventListener('storage', (e) => {
      if (e.key !== KEY) return;
      const before = this.state;
      this.state = read();
      this.schedule();
      if (!!before !== !!this.state || before?.user?.id !== this.state?.user?.id) this.changed();
    });
    this.schedule();
  }

  get user() { return this.state?.user ?? null; }
  get signedIn() { return this.state !== null; }

  /** Keeps the answer of register, login or refresh: {user, accessToken, refreshToken, expiresIn}. */
  store(answer) {
    const hadUser = this.state?.user?.id;
    this.state = {
      user: answer.user ?? this.state?.user,
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      expiresAt: Date.now() + answer.expiresIn * 1000,
    };
    localStorage.setItem(KEY, JSON.stringify(this.state));
    this.schedule();
    if (hadUser !== this.state.user?.id) this.changed();
  }

  clear() {
    const had = this.state !== null;
    this.state = null;
    localStorage.removeItem(KEY);
    clearTimeout(this.timer);
    if (had) this.changed();
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async token(forceRefresh = false) {
    if (!this.state) return null;
    if (forceRefresh || this.state.expiresAt - Date.now() < 30_000) await this.refresh();
    return this.state?.accessToken ?? null;
  }

  /** Trades the refresh token for a new pair, once at a time across every tab; signs out when it is refused. */
  refresh() {
    if (!this.refreshing) {
      const run = () => this.refreshNow().finally(() => { this.refreshing = null; });
      this.refreshing = navigator.locks ? navigator.locks.request(LOCK, run) : run();
    }
    return this.refreshing;
  }

  async refreshNow() {
    const stored = read();
    if (!stored) { this.clear(); return; }
    if (this.state && stored.refreshToken !== this.state.refreshToken && stored.expiresAt - Date.now() > 30_000) {
      this.state = stored; // another tab refreshed a moment ago
      this.schedule();
      return;
    }
    let response;
    try {
      response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: stored.refreshToken }),
      });
    } catch {
      return; // offline: keep the tokens and try again later
    }
    if (response.ok) {
      this.store(await response.json());
    } else if (response.status === 400 || response.status === 401) {
      this.clear();
    }
  }

  // Refreshes silently at four fifths of the access token's life, so requests rarely meet a 401.
  schedule() {
    clearTimeout(this.timer);
    if (!this.state) return;
    const wait = Math.max(5_000, (this.state.expiresAt - Date.now()) * 0.8);
    this.timer = setTimeout(() => this.refresh(), Math.min(wait, 2 ** 31 - 1));
  }

  changed() { this.dispatchEvent(new Event('change')); }
}

function read() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY));
    return value && value.accessToken && value.refreshToken ? value : null;
  } catch {
    return null;
  }
}
