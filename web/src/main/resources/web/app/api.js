// Calls to /api/v1 with the session's token. Errors arrive as application/problem+json and are
// thrown as ApiError, which knows the problem's field errors by JSON pointer.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }

  /** {pointer: message} of a 422's errors, with a prefix such as "/data" removed. */
  fieldErrors(prefix = '') {
    const errors = {};
    for (const e of this.problem.errors ?? []) {
      const pointer = e.pointer?.startsWith(prefix) ? e.pointer.slice(prefix.length) : e.pointer;
      errors[pointer ?? ''] = errors[pointer ?? ''] ? `${errors[pointer ?? '']}; ${e.message}` : e.message;
    }
    return errors;
  }
}

export class Api {
  constructor(session) {
    this.session = session;
  }

  get(path) { return this.request('GET', path); }
  post(path, body, headers) { return this.request('POST', path, { body, headers }); }
  put(path, body, headers) { return this.request('PUT', path, { body, headers }); }
  patch(path, body) { return this.request('PATCH', path, { body }); }
  delete(path) { return this.request('DELETE', path); }

  /** Every page of a list, for the short lists (shares, links, schemas) a screen shows whole. */
  async all(path) {
    const items = [];
    let cursor = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await this.get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /**
   * @returns the parsed JSON body (null for 204), with the ETag as `etag` on the response object
   * when asked with {withResponse: true}
   */
  async request(method, path, { body, headers = {}, anonymous = false, withResponse = false } = {}) {
    const send = async (token) => {
      const h = { Accept: 'application/json', ...headers };
      if (body !== undefined) h['Content-Type'] = 'application/json';
      if (token) h.Authorization = `Bearer ${token}`;
      return fetch(`/api/v1${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    };
    let response;
    try {
      response = await send(anonymous ? null : await this.session.token());
      if (response.status === 401 && !anonymous && this.session.signedIn) {
        response = await send(await this.session.token(true));
        if (response.status === 401) this.session.clear();
      }
    } catch (e) {
      throw new ApiError(0, { title: 'The studio cannot be reached', detail: 'Check the connection and try again.' });
    }
    const json = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, json);
    return withResponse ? { body: json, response } : json;
  }
}

/** "3 minutes ago", "yesterday", or a date. */
export function ago(iso) {
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), 'minute');
  if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), 'hour');
  if (seconds < 7 * 86400) return rtf.format(-Math.round(seconds / 86400), 'day');
  return new Date(iso).toLocaleDateString();
}

export function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
}
