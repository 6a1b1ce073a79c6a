// SPDX-License-Identifier: Apache-2.0
// draft: keeps what a person is writing in a form (a new consultation, a
// reply, an incident note) in this tab's sessionStorage, so a reload loses
// nothing. One entry per signed-in person and form,
// "mamori.draft.<user id>.<form>": somebody else signing in on the same
// browser never sees it. Removed after a successful send, when the text is
// emptied, for every person on sign-out, and for everyone else when a person
// signs in (api.onSignedIn, app.js). A session that ends while someone
// writes (expired, the account disabled) keeps that person's draft for
// when they sign in again.
import * as api from './api.js';

const PREFIX = 'mamori.draft.';

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage switched off: forms work, without drafts
  }
}

function keyFor(name) {
  const me = api.currentMe();
  return me && me.user ? PREFIX + me.user.id + '.' + name : null;
}

function read(key) {
  try {
    const saved = JSON.parse(storage().getItem(key) || '{}');
    return saved && typeof saved === 'object' ? saved : {};
  } catch {
    return {};
  }
}

// Puts the saved values back into fields (elements with a name: inputs,
// textareas, selects) and saves them on every change. Returns true when a
// draft was put back. Only written text makes a draft: a form whose text
// fields are empty has none.
export function keepDraft(form, name, fields) {
  const key = keyFor(name);
  if (!key || !storage()) return false;
  const saved = read(key);
  let restored = false;
  for (const f of fields) {
    if (f.type === 'checkbox') {
      // (a reply's "internal note" box: restored with its text, so a note
      // meant for colleagues is never sent to the customer after a reload)
      if (typeof saved[f.name] === 'boolean') f.checked = saved[f.name];
      continue;
    }
    if (typeof saved[f.name] !== 'string') continue;
    if (f.tagName === 'SELECT' && ![...f.options].some((o) => o.value === saved[f.name])) continue;
    f.value = saved[f.name];
    restored = restored || (f.tagName !== 'SELECT' && f.value.trim() !== '');
  }
  const save = () => {
    const written = fields.some((f) => f.tagName !== 'SELECT' && f.type !== 'checkbox' && f.value.trim() !== '');
    try {
      if (written) storage().setItem(key, JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, f.type === 'checkbox' ? f.checked : f.value]))));
      else storage().removeItem(key);
    } catch {
      /* storage full: the text stays in the form */
    }
  };
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  return restored;
}

// After a successful send.
export function dropDraft(name) {
  const key = keyFor(name);
  if (key && storage()) storage().removeItem(key);
}

// Removes the tab's drafts except those of the person with user id keep
// (every draft when keep is null).
function dropDraftsExcept(keep) {
  const s = storage();
  if (!s) return;
  const mine = keep === null ? null : PREFIX + keep + '.';
  const keys = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k.startsWith(PREFIX) && !(mine && k.startsWith(mine))) keys.push(k);
  }
  for (const k of keys) s.removeItem(k);
}

// On sign-out: every person's drafts in this tab.
export function dropAllDrafts() {
  dropDraftsExcept(null);
}

// When a person is signed in: the drafts of everyone else.
export function dropOthersDrafts(userId) {
  dropDraftsExcept(userId);
}
