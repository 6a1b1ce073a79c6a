// SPDX-License-Identifier: Apache-2.0
// api: every call to /api/v1. Keeps the signed-in person (GET /api/v1/me) and
// its CSRF token, and sends that token in X-CSRF-Token on every state-changing
// request. Errors become ApiError with the HTTP status and the server's
// {"error","message"}; pages show errorText(e), the UI's own ja/en words for
// the error code (the server's message may carry an English detail, meant
// for programs and logs). Each time a person is known to be signed in
// (loadMe), app.js is told who (onSignedIn).
import { t } from './i18n.js';

let me = null;
let signedIn = () => {};

// What to do once the signed-in person is known (at start and after each
// sign-in), with that person's user id: app.js drops the drafts of anyone
// else who wrote in this tab before.
export function onSignedIn(fn) {
  signedIn = fn;
}

export class ApiError extends Error {
  constructor(status, code, message, retryAfter, field) {
    super(message || code || 'HTTP ' + status);
    this.status = status;
    this.code = code || '';
    this.retryAfter = retryAfter || ''; // the reply's Retry-After header
    this.field = field || ''; // the field a 400 names (center-api.md, Errors)
  }
}

// The reader's words for a failed call: apierr.<code> in the UI's language;
// apierr.network when the centre could not be reached, apierr.other for a
// code this UI does not know. Never the server's message. A database another
// program holds (a backup) has its own code, `db_busy` (center-api.md):
// apierr.db_busy says that cause and that nothing was saved, not only "busy".
export function errorText(e) {
  if (!(e instanceof ApiError)) return t('apierr.network');
  const key = 'apierr.' + e.code;
  const text = e.code ? t(key) : key;
  return text !== key ? text : t('apierr.other', { status: e.status });
}

export function currentMe() {
  return me;
}

export function setMe(m) {
  me = m;
}

export function isVendor() {
  return !!me && (me.user.role === 'admin' || me.user.role === 'analyst');
}

// May change alert status: vendor users and SME owners (staff only read).
export function canTriage() {
  return !!me && ['admin', 'analyst', 'owner'].includes(me.user.role);
}

export function canManage() {
  return !!me && ['admin', 'owner'].includes(me.user.role);
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export async function call(method, path, body, params) {
  const headers = { Accept: 'application/json' };
  const opts = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    if (me && me.csrf_token) headers['X-CSRF-Token'] = me.csrf_token;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
  }
  const res = await fetch('/api/v1' + path + query(params), opts);
  if (res.status === 204) return null;
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    throw new ApiError(res.status, data && data.error, data && data.message, res.headers.get('Retry-After'), data && data.field);
  }
  return data;
}

export const get = (path, params) => call('GET', path, undefined, params);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => call('PATCH', path, body);

export async function loadMe() {
  try {
    me = await get('/me');
  } catch (e) {
    if (e.status === 401) me = null;
    else throw e;
  }
  // An SME user's company name, when /me left it out.
  if (me && me.user.tenant_id !== 0 && !(me.tenant && me.tenant.name)) {
    try {
      me.tenant = await get('/tenants/' + me.user.tenant_id);
    } catch {
      me.tenant = { id: me.user.tenant_id, name: '', lang: me.user.lang };
    }
  }
  if (me) signedIn(me.user.id);
  return me;
}

export async function login(email, password) {
  await call('POST', '/login', { email, password });
  return loadMe();
}

export async function logout() {
  try {
    await call('POST', '/logout');
  } finally {
    me = null;
  }
}

// A list a centre may not offer (an older version): resolves to
// {missing: true} on 404/405/501 instead of throwing. Only for list and
// collection addresses, where 404 can only mean "no such route".
export async function optional(promise) {
  try {
    return { data: await promise, missing: false };
  } catch (e) {
    if (e instanceof ApiError && [404, 405, 501].includes(e.status)) {
      return { data: null, missing: true, error: e };
    }
    throw e;
  }
}

// Walks a paginated list up to max items.
export async function listAll(path, params, max) {
  const items = [];
  let cursor;
  const limit = 200;
  do {
    const page = await get(path, { ...params, limit, cursor });
    items.push(...(page.items || []));
    cursor = page.next;
  } while (cursor && items.length < (max || 1000));
  return { items, more: !!cursor };
}
