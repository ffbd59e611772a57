import { html } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import DOMPurify from 'dompurify';
import { View } from './view.js';

/**
 * What processors derived from a blob: `{processor: {sourceVersion, result}}`. The built-ins get
 * their own look; anything else shows as JSON. Markdown HTML was sanitised by the server and is
 * sanitised again here, so the page never trusts stored HTML alone.
 */
class DerivedView extends View {
  static properties = { derived: { attribute: false } };

  render() {
    const entries = Object.entries(this.derived ?? {}).filter(([, d]) => d && d.result != null);
    if (!entries.length) return '';
    return html`<section class="card" style="margin-top:1rem" aria-labelledby="derived-title">
      <h3 id="derived-title">Derived by processors</h3>
      ${entries.map(([name, d]) => html`<div class="stack" style="margin-bottom:.8rem" data-processor=${name}>
        <div class="small muted">${name} · from version ${d.sourceVersion}</div>
        ${this.result(name, d.result)}
      </div>`)}
    </section>`;
  }

  result(name, result) {
    switch (name) {
      case 'stats':
        return html`<p>${result.words} words · ${result.characters} characters · ${readingTime(result.readingSeconds)} to read</p>`;
      case 'tags':
        return html`<div>${(result.tags ?? []).map((t) => html`<span class="chip">${t}</span>`)}</div>`;
      case 'markdown':
        return html`${Object.entries(result.fields ?? {}).map(([pointer, markup]) => html`
          <div class="small muted"><code>${pointer}</code></div>
          <div class="markdown-preview">${unsafeHTML(DOMPurify.sanitize(markup))}</div>`)}`;
      case 'thumbnail':
        return html`<img alt="Thumbnail of the attached image" width=${result.width} height=${result.height}
                         src="data:image/png;base64,${result.png}">`;
      default:
        return html`<pre>${JSON.stringify(result, null, 2)}</pre>`;
    }
  }
}

function readingTime(seconds) {
  return seconds < 60 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

customElements.define('reyna-derived', DerivedView);
