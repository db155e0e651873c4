// The REST API with the signed-in token (kept in sessionStorage: gone when the tab closes).

const KEY = 'otwatch.token';
export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

let onUnauthorized = () => {};
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

/**
 * The hub's site the page is drilled into (app.js): every API call then names it (site=), so that the map,
 * the tables and the details read that site's rows. null on a sensor's page and on the hub's enterprise view.
 */
export const scope = { site: null };

function urlOf(path) {
  if (path.startsWith('/')) return path;
  const url = `${API}/${path}`;
  return scope.site === null ? url : `${url}${url.includes('?') ? '&' : '?'}site=${encodeURIComponent(scope.site)}`;
}

export async function request(path, { method = 'GET', body, type, raw = false } = {}) {
  const headers = { authorization: `Bearer ${token.get() ?? ''}` };
  if (type) headers['content-type'] = type;
  else if (body !== undefined && typeof body !== 'string') headers['content-type'] = 'application/json';
  const res = await fetch(urlOf(path), {
    method,
    headers,
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!res.ok) {
    let err;
    try {
      err = await res.json();
    } catch {
      err = { message: `HTTP ${res.status}` };
    }
    if (res.status === 401) onUnauthorized(err.message);
    throw new ApiError(res.status, err);
  }
  if (raw) return res;
  const ct = res.headers.get('content-type') ?? '';
  return ct.includes('json') ? res.json() : res.text();
}

export const json = (path) => request(path);

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
