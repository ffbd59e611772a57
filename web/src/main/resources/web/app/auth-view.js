import { html } from 'lit';
import { ApiError } from './api.js';
import { View, fieldError } from './view.js';

/** Sign in, or create an account. */
class AuthView extends View {
  static properties = { mode: { state: true }, errors: { state: true }, problem: { state: true }, busy: { state: true } };

  constructor() {
    super();
    this.mode = 'signin';
    this.errors = {};
    this.problem = null;
  }

  async submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = Object.fromEntries(form.entries());
    this.busy = true;
    this.errors = {};
    this.problem = null;
    try {
      const path = this.mode === 'signup' ? '/auth/register' : '/auth/login';
      const answer = await this.api.request('POST', path, { body, anonymous: true });
      this.studio.session.store(answer);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.errors = e.fieldErrors();
      this.problem = Object.keys(this.errors).length ? null : e.message;
    } finally {
      this.busy = false;
    }
  }

  switchTo(mode) {
    this.mode = mode;
    this.errors = {};
    this.problem = null;
  }

  input(name, label, type, autocomplete) {
    const error = this.errors[`/${name}`];
    return html`<div class="field">
      <label for="auth-${name}">${label}</label>
      <input id="auth-${name}" name=${name} type=${type} autocomplete=${autocomplete} required
             aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? `auth-${name}-error` : ''}>
      ${fieldError(`auth-${name}`, error)}
    </div>`;
  }

  render() {
    const signup = this.mode === 'signup';
    return html`<div class="auth card">
      <h1>${signup ? 'Create your account' : 'Sign in to ReYNa Studio'}</h1>
      <form @submit=${this.submit} novalidate>
        ${signup ? this.input('displayName', 'Your name', 'text', 'name') : ''}
        ${this.input('email', 'Email', 'email', 'email')}
        ${this.input('password', 'Password', 'password', signup ? 'new-password' : 'current-password')}
        ${this.problem ? html`<div class="form-error" role="alert">${this.problem}</div>` : ''}
        <div class="spread" style="margin-top:1rem">
          <button class="primary" type="submit" ?disabled=${this.busy}>${signup ? 'Create account' : 'Sign in'}</button>
          ${signup
            ? html`<button type="button" class="link" @click=${() => this.switchTo('signin')}>I have an account</button>`
            : html`<button type="button" class="link" @click=${() => this.switchTo('signup')}>Create an account</button>`}
        </div>
      </form>
    </div>`;
  }
}

customElements.define('reyna-auth', AuthView);
