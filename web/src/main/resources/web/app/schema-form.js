import { html } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { live } from 'lit/directives/live.js';
import { marked } from 'marked';
import DOMPurify from 'dompurify';
import { View, fieldError } from './view.js';

/**
 * A form made from a JSON Schema: strings (with enums, formats and markdown), numbers, booleans,
 * arrays and nested objects. What it cannot draw as fields (oneOf and the like) it offers as JSON
 * for that part only. `errors` maps JSON pointers into the value to messages, as a 422 names them;
 * each shows at its field. Every edit dispatches 'value-change' with the whole new value.
 */
export class SchemaForm extends View {
  static properties = {
    schema: { attribute: false },
    value: { attribute: false },
    errors: { attribute: false },
    idPrefix: { attribute: 'id-prefix' },
    readonly: { type: Boolean },
    previews: { state: true },
    jsonDrafts: { state: true },
  };

  constructor() {
    super();
    this.errors = {};
    this.idPrefix = 'f';
    this.previews = new Set();
    this.jsonDrafts = new Map();
  }

  set(pointer, next) {
    this.value = setAt(this.value, parse(pointer), next);
    this.dispatchEvent(new CustomEvent('value-change', { detail: this.value }));
  }

  resolve(schema) {
    return resolve(this.schema, schema);
  }

  render() {
    return this.field(this.schema, this.value, '', null, false);
  }

  fieldId(pointer) {
    return `${this.idPrefix}${pointer.replace(/[^A-Za-z0-9_-]/g, '_') || '_root'}`;
  }

  /** One value at `pointer`: a label (`fixedLabel`, else the schema's title, else the name), its control, and its error. */
  field(rawSchema, value, pointer, name, required, fixedLabel) {
    const schema = this.resolve(rawSchema);
    const type = typeOf(schema, value);
    const id = this.fieldId(pointer);
    const error = this.errors?.[pointer];
    const label = fixedLabel ?? schema.title ?? humanize(name);
    const described = [error ? `${id}-error` : '', schema.description ? `${id}-hint` : ''].filter(Boolean).join(' ');
    const hint = schema.description ? html`<div class="hint" id="${id}-hint">${schema.description}</div>` : '';
    const common = { id, error, described };

    if (type === 'object') {
      const props = schema.properties ?? {};
      const req = new Set(schema.required ?? []);
      const obj = isObject(value) ? value : {};
      const fields = Object.entries(props).map(([key, sub]) => this.field(sub, obj[key], `${pointer}/${escape(key)}`, key, req.has(key)));
      if (pointer === '') return html`${fields}${fieldError(id, error)}`;
      return html`<fieldset aria-describedby=${described}><legend class=${required ? 'required' : ''}>${label}</legend>
        ${hint}${fields}${fieldError(id, error)}</fieldset>`;
    }
    if (type === 'array') return this.array(schema, value, pointer, label, required, common, hint);
    if (type === 'json') return this.json(value, pointer, label, required, common, hint);

    let control;
    if (type === 'boolean') {
      return html`<div class="field"><label class="inline" for=${id}>
        <input type="checkbox" id=${id} .checked=${live(!!value)} ?disabled=${this.readonly}
               aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described}
               @change=${(e) => this.set(pointer, e.target.checked)}> ${label}</label>${hint}${fieldError(id, error)}</div>`;
    }
    if (schema.enum) {
      control = html`<select id=${id} ?disabled=${this.readonly} aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described}
          @change=${(e) => this.set(pointer, e.target.value === '' ? undefined : schema.enum[Number(e.target.value)])}>
        ${required ? '' : html`<option value="">—</option>`}
        ${schema.enum.map((option, i) => html`<option value=${i} ?selected=${option === value}>${String(option)}</option>`)}
      </select>`;
    } else if (type === 'number' || type === 'integer') {
      control = html`<input id=${id} type="number" step=${type === 'integer' ? '1' : 'any'} .value=${live(value ?? '')}
          min=${schema.minimum ?? ''} max=${schema.maximum ?? ''} ?readonly=${this.readonly} ?required=${required}
          aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described}
          @input=${(e) => this.set(pointer, e.target.value === '' ? undefined : Number(e.target.value))}>`;
    } else if (schema.contentMediaType === 'text/markdown') {
      return this.markdown(value, pointer, label, required, common, hint);
    } else {
      const long = (schema.maxLength ?? 0) > 200 || schema.format === 'textarea' || (typeof value === 'string' && value.includes('\n'));
      const onInput = (e) => this.set(pointer, e.target.value === '' && !required ? undefined : e.target.value);
      control = long
        ? html`<textarea id=${id} .value=${live(value ?? '')} ?readonly=${this.readonly} ?required=${required}
              aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described} @input=${onInput}></textarea>`
        : html`<input id=${id} type=${inputType(schema.format)} .value=${live(value ?? '')} ?readonly=${this.readonly} ?required=${required}
              maxlength=${schema.maxLength ?? ''} aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described} @input=${onInput}>`;
    }
    return html`<div class="field"><label for=${id} class=${required ? 'required' : ''}>${label}</label>${control}${hint}${fieldError(id, error)}</div>`;
  }

  markdown(value, pointer, label, required, { id, error, described }, hint) {
    const preview = this.previews.has(pointer);
    const toggle = () => {
      const next = new Set(this.previews);
      if (preview) next.delete(pointer); else next.add(pointer);
      this.previews = next;
    };
    return html`<div class="field">
      <div class="spread"><label for=${id} class=${required ? 'required' : ''}>${label}</label>
        <button type="button" class="link small" aria-pressed=${preview ? 'true' : 'false'} @click=${toggle}>Preview</button></div>
      <textarea id=${id} .value=${live(value ?? '')} ?readonly=${this.readonly} rows="8" ?required=${required}
                aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described}
                @input=${(e) => this.set(pointer, e.target.value === '' && !required ? undefined : e.target.value)}></textarea>
      <div class="hint">Markdown</div>${hint}
      ${preview ? html`<div class="markdown-preview" aria-label="Preview of ${label}">${renderMarkdown(value ?? '')}</div>` : ''}
      ${fieldError(id, error)}</div>`;
  }

  array(schema, value, pointer, label, required, { id, error, described }, hint) {
    const items = Array.isArray(value) ? value : [];
    const itemSchema = this.resolve(schema.items ?? {});
    const add = () => this.set(pointer, [...items, initial(this.schema, itemSchema)]);
    const remove = (i) => this.set(pointer, items.filter((_, j) => j !== i));
    return html`<fieldset aria-describedby=${described} id=${id}>
      <legend class=${required ? 'required' : ''}>${label}</legend>${hint}
      ${items.map((item, i) => html`<div class="array-item">
        <div>${this.field(itemSchema, item, `${pointer}/${i}`, null, true, `${itemSchema.title ?? label} ${i + 1}`)}</div>
        ${this.readonly ? '' : html`<button type="button" class="link" aria-label="Remove ${label} ${i + 1}" @click=${() => remove(i)}>✕</button>`}
      </div>`)}
      ${this.readonly ? '' : html`<button type="button" @click=${add} style="margin-bottom:.8rem">Add ${itemSchema.title ?? 'item'}</button>`}
      ${fieldError(id, error)}</fieldset>`;
  }

  /** A part of the value the form cannot draw: edited as JSON, applied when it parses. */
  json(value, pointer, label, required, { id, error, described }, hint) {
    const draft = this.jsonDrafts.get(pointer);
    const text = draft?.text ?? (value === undefined ? '' : JSON.stringify(value, null, 2));
    const onInput = (e) => {
      const next = new Map(this.jsonDrafts);
      try {
        const parsed = e.target.value.trim() === '' ? undefined : JSON.parse(e.target.value);
        next.delete(pointer);
        this.jsonDrafts = next;
        this.set(pointer, parsed);
      } catch (problem) {
        next.set(pointer, { text: e.target.value, error: `Not JSON yet: ${problem.message}` });
        this.jsonDrafts = next;
      }
    };
    return html`<div class="field"><label for=${id} class=${required ? 'required' : ''}>${label} (JSON)</label>
      <textarea id=${id} class="code" style="min-height:5rem" .value=${live(text)} ?readonly=${this.readonly}
                aria-invalid=${error || draft ? 'true' : 'false'} aria-describedby=${described} @input=${onInput}></textarea>
      ${hint}${fieldError(id, draft?.error ?? error)}</div>`;
  }
}

/** CommonMark to HTML with anything that could run script removed. */
export function renderMarkdown(text) {
  return unsafeHTML(DOMPurify.sanitize(marked.parse(text, { async: false })));
}

/** A new value for a schema: its default, or an empty one of its type with its required parts. */
export function initial(root, rawSchema) {
  const schema = resolve(root, rawSchema);
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.const !== undefined) return schema.const;
  switch (typeOf(schema, undefined)) {
    case 'object': {
      const value = {};
      for (const key of schema.required ?? []) {
        const sub = initial(root, schema.properties?.[key] ?? {});
        if (sub !== undefined) value[key] = sub;
      }
      return value;
    }
    case 'array': return [];
    case 'string': return schema.enum ? schema.enum[0] : '';
    case 'boolean': return false;
    default: return undefined;
  }
}

function resolve(root, schema) {
  let current = schema === true || schema == null ? {} : schema;
  for (let depth = 0; current.$ref && depth < 20; depth++) {
    if (!current.$ref.startsWith('#')) break;
    const target = parse(current.$ref.slice(1)).reduce((node, key) => node?.[key], root);
    if (!target) break;
    const { $ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  if (Array.isArray(current.allOf) && current.allOf.every((s) => isObject(s) && !s.$ref)) {
    const { allOf, ...rest } = current;
    current = allOf.reduce((merged, part) => ({
      ...merged, ...part,
      properties: { ...merged.properties, ...part.properties },
      required: [...(merged.required ?? []), ...(part.required ?? [])],
    }), rest);
  }
  return current;
}

function typeOf(schema, value) {
  let type = schema.type;
  if (Array.isArray(type)) type = type.filter((t) => t !== 'null').length === 1 ? type.find((t) => t !== 'null') : null;
  if (!type && schema.properties) type = 'object';
  if (!type && schema.enum) type = 'string';
  if (!type && schema.items) type = 'array';
  if (schema.oneOf || schema.anyOf || schema.not || schema.if) return 'json';
  if (['object', 'array', 'string', 'number', 'integer', 'boolean'].includes(type)) {
    // A value of another type than the schema's (say, an old blob) is shown as it is.
    if (value !== undefined && value !== null && !fits(type, value)) return 'json';
    return type;
  }
  return 'json';
}

function fits(type, value) {
  switch (type) {
    case 'object': return isObject(value);
    case 'array': return Array.isArray(value);
    case 'integer': return Number.isInteger(value);
    default: return typeof value === type;
  }
}

/** A property name as a label: "readingTime" and "reading_time" become "Reading time". */
function humanize(name) {
  if (!name) return '';
  const words = String(name).replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function inputType(format) {
  return { email: 'email', uri: 'url', date: 'date', 'date-time': 'text', time: 'time' }[format] ?? 'text';
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function escape(key) {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function parse(pointer) {
  return pointer.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** A copy of `root` with the value at `path` replaced (or removed when undefined). */
function setAt(root, path, value) {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const copy = Array.isArray(root) ? [...root] : isObject(root) ? { ...root } : (/^\d+$/.test(key) ? [] : {});
  const next = setAt(copy[key], rest, value);
  if (next === undefined && !Array.isArray(copy)) delete copy[key];
  else copy[key] = next;
  return copy;
}

customElements.define('reyna-schema-form', SchemaForm);
