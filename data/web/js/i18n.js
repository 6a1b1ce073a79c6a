// SPDX-License-Identifier: Apache-2.0
// i18n: the UI's two languages. Strings live in /i18n/ja.json and
// /i18n/en.json (same keys; a test checks that). The language is the signed-in
// person's account setting (the switcher saves it there), else the one picked
// with the switcher in this browser (before signing in), else the browser's
// languages (navigator.languages mirrors Accept-Language), else Japanese.
const SUPPORTED = ['ja', 'en'];
const STORE_KEY = 'mamori.lang';
let current = 'ja';
let strings = {};

export function lang() {
  return current;
}

export function normalise(code) {
  const c = String(code || '').toLowerCase();
  if (c.startsWith('ja')) return 'ja';
  if (c.startsWith('en')) return 'en';
  return null;
}

export function browserLang() {
  const list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const l of list) {
    const n = normalise(l);
    if (n) return n;
  }
  return 'ja';
}

export function storedLang() {
  try {
    return normalise(localStorage.getItem(STORE_KEY));
  } catch {
    return null;
  }
}

export function rememberLang(code) {
  try {
    localStorage.setItem(STORE_KEY, code);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

// Picks the language: account setting, then this browser's switcher choice,
// then the browser's languages.
export function chooseLang(accountLang) {
  return normalise(accountLang) || storedLang() || browserLang();
}

export async function loadLang(code) {
  const want = SUPPORTED.includes(code) ? code : 'ja';
  const res = await fetch('/i18n/' + want + '.json', { credentials: 'same-origin' });
  if (!res.ok) throw new Error('i18n ' + res.status);
  strings = await res.json();
  current = want;
  document.documentElement.lang = want;
}

// t('alerts.shown', {n: 3}) -> the string with {n} replaced; the key itself
// when missing so a gap is visible rather than blank.
export function t(key, vars) {
  let s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
  }
  return s;
}

// A {"ja","en"} object from the API -> the text in the current language.
export function pick(obj) {
  if (obj === null || obj === undefined) return '';
  if (typeof obj === 'string') return obj;
  return obj[current] || obj.en || obj.ja || '';
}

// A {"ja","en"} object -> its text in the current language only, '' when it
// has none there: for a text given only in the languages it applies to (an
// alert's "now", absent in a language whose message has its own step).
export function pickOnly(obj) {
  if (obj === null || obj === undefined) return '';
  if (typeof obj === 'string') return obj;
  return obj[current] || '';
}
