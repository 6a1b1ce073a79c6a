// SPDX-License-Identifier: Apache-2.0
// app: boots the UI (who is signed in, which language), draws the header
// navigation and the language switcher, and routes #/hash addresses to the
// page modules under pages/. Pages get (main, ctx) and draw into <main>.
import * as api from './api.js';
import { h, clear, takeTimesShown, timeZoneNote } from './dom.js';
import { dropAllDrafts, dropOthersDrafts } from './draft.js';
import { t, lang, loadLang, chooseLang, rememberLang, normalise } from './i18n.js';
import * as loginPage from './pages/login.js';
import * as dashboardPage from './pages/dashboard.js';
import * as alertsPage from './pages/alerts.js';
import * as alertPage from './pages/alert.js';
import * as ticketsPage from './pages/tickets.js';
import * as incidentsPage from './pages/incidents.js';
import * as settingsPage from './pages/settings.js';
import * as statsPage from './pages/stats.js';
import * as accountPage from './pages/account.js';
import * as activityPage from './pages/activity.js';

// [pattern, page module, nav key]; the first match wins.
const ROUTES = [
  [/^\/login$/, loginPage, null],
  [/^\/$/, dashboardPage, 'dashboard'],
  [/^\/alerts$/, alertsPage, 'alerts'],
  [/^\/alerts\/(\d+)$/, alertPage, 'alerts'],
  [/^\/tickets(?:\/(new|\d+))?$/, ticketsPage, 'tickets'],
  [/^\/incidents(?:\/(\d+))?$/, incidentsPage, 'incidents'],
  [/^\/stats$/, statsPage, 'stats'],
  [/^\/settings$/, settingsPage, 'settings'],
  [/^\/account$/, accountPage, 'account'],
  [/^\/activity$/, activityPage, 'activity'],
];
const NAV = ['dashboard', 'alerts', 'tickets', 'incidents', 'stats', 'activity', 'settings', 'account'];
// Pages only the vendor's people may read: not in an SME's menu, and their
// address is "not found" for an SME's people (the API would answer 403).
const VENDOR_ONLY = ['stats'];
// Pages only managers (the vendor admin, an SME owner) may read, as the API
// enforces (routes.def MANAGER): not in the others' menu, and their address
// is "not found" for them, like an address that does not exist.
const MANAGER_ONLY = ['activity'];
const NAV_HREF = { dashboard: '#/', alerts: '#/alerts', tickets: '#/tickets', incidents: '#/incidents', stats: '#/stats', activity: '#/activity', settings: '#/settings', account: '#/account' };

let flashTimer = null;
// The id of a control that keeps the focus after the redraw it caused
// (go(hash, {focus}), the language switcher), rather than the heading.
let pendingFocus = null;

// Shows a message in the live region (read out by screen readers).
export function flash(message, kind) {
  const el = document.getElementById('flash');
  clear(el);
  el.className = 'flash' + (kind ? ' flash-' + kind : '');
  if (message) el.append(h('p', {}, message));
  clearTimeout(flashTimer);
  if (message && kind !== 'error') flashTimer = setTimeout(() => clear(el), 8000);
}

// An error message belongs to the page it was said on ("wrong password" on
// the sign-in form): moving to another page clears it. A success message,
// said just after ctx.go() ("ticket sent"), stays.
function clearErrorFlash() {
  if (document.getElementById('flash').classList.contains('flash-error')) flash('');
}

// Opens hash. opts.focus: the id of the control that stays focused on the
// new page (a list whose choice redraws the page: the settings' company),
// so a keyboard user choosing with the arrow keys is not thrown to the
// heading at each step (WCAG 3.2.2).
export function go(hash, opts) {
  pendingFocus = (opts && opts.focus) || null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(qs || '') };
}

function drawChrome(active) {
  const me = api.currentMe();
  document.getElementById('skip-link').textContent = t('nav.skip');
  document.getElementById('lang-label').textContent = t('nav.language');
  document.getElementById('brand-name').textContent = t('app.name');
  document.getElementById('foot-text').textContent = t('app.footer');
  document.getElementById('lang-switch').value = lang();
  const nav = clear(document.getElementById('nav'));
  nav.setAttribute('aria-label', t('nav.label'));
  const logout = document.getElementById('logout');
  const who = document.getElementById('who');
  if (!me) {
    logout.hidden = true;
    who.textContent = '';
    return;
  }
  const ul = h('ul', {});
  // Until a password somebody else chose is changed, only the account page.
  const keys = mustChange() ? ['account'] : NAV;
  for (const key of keys) {
    if (VENDOR_ONLY.includes(key) && !api.isVendor()) continue;
    if (MANAGER_ONLY.includes(key) && !api.canManage()) continue;
    const a = h('a', { href: NAV_HREF[key] }, t('nav.' + key));
    if (key === active) a.setAttribute('aria-current', 'page');
    ul.append(h('li', {}, a));
  }
  nav.append(ul);
  logout.hidden = false;
  logout.textContent = t('nav.logout');
  const place = me.tenant && me.tenant.id !== 0 ? me.tenant.name : t('role.vendor');
  who.textContent = t('nav.signed_in', { email: me.user.email, place, role: t('role.' + me.user.role) });
}

// True while the signed-in person must first change a password somebody
// else chose (a new account, a reset): the centre answers nothing else.
function mustChange() {
  const me = api.currentMe();
  return !!(me && me.user.must_change_password);
}

let routing = 0;
export async function route() {
  const seq = ++routing;
  const keep = pendingFocus;
  pendingFocus = null;
  const { path, query } = parseHash();
  const main = document.getElementById('main');
  let match = null;
  for (const [re, page, nav] of ROUTES) {
    const m = path.match(re);
    if (m) {
      match = { page, nav, params: m.slice(1) };
      break;
    }
  }
  if (!api.currentMe() && (!match || match.page !== loginPage)) {
    const next = encodeURIComponent(location.hash || '#/');
    location.replace('#/login?next=' + next);
    return;
  }
  if (api.currentMe() && match && match.page === loginPage) {
    location.replace('#/');
    return;
  }
  if (mustChange() && (!match || match.page !== accountPage)) {
    location.replace('#/account');
    return;
  }
  if (match && MANAGER_ONLY.includes(match.nav) && !api.canManage()) match = null;
  if (match && VENDOR_ONLY.includes(match.nav) && !api.isVendor()) match = null;
  drawChrome(match && match.nav);
  clear(main);
  if (!match) {
    main.append(h('div', { class: 'page' }, h('h1', {}, t('error.not_found_title')), h('p', {}, t('error.not_found_page'))));
    pageDrawn(main, keep);
    return;
  }
  main.append(h('p', { class: 'loading' }, t('common.loading')));
  try {
    const frag = h('div', { class: 'page' });
    takeTimesShown();
    await match.page.render(frag, { params: match.params, query, go, flash, route });
    if (seq !== routing) return; // the person navigated on meanwhile
    // Times are the centre's zone, not this computer's: said once per page.
    if (takeTimesShown()) frag.append(timeZoneNote());
    clear(main).append(frag);
  } catch (e) {
    if (seq !== routing) return;
    if (e instanceof api.ApiError && e.status === 401) {
      api.setMe(null);
      location.replace('#/login');
      return;
    }
    if (e instanceof api.ApiError && e.code === 'password_change_required') {
      api.currentMe().user.must_change_password = true;
      location.replace('#/account');
      return;
    }
    clear(main).append(h('div', { class: 'page' },
      h('h1', {}, e.status === 404 ? t('error.not_found_title') : t('error.title')),
      h('p', { class: 'error-text' }, e.status === 404 ? t('error.not_found_item') : t('error.load_failed', { detail: api.errorText(e) })),
      h('p', {}, h('a', { href: '#/' }, t('nav.back_dashboard')))));
  }
  pageDrawn(main, keep);
}

// A page is drawn: the tab's title names it ("警告の一覧 — mamori 監視センター"),
// and the focus goes to its heading, or stays on the control keep (an id)
// that caused the redraw.
function pageDrawn(main, keep) {
  const title = main.querySelector('h1');
  document.title = (title ? title.textContent + ' — ' : '') + t('app.name');
  const control = keep && document.getElementById(keep);
  if (control) control.focus();
  else focusHeading(main);
}

// Moves focus to the page heading so keyboard and screen-reader users land
// at the start of the new page; not on the first load of the login form.
function focusHeading(main) {
  const auto = main.querySelector('[autofocus]');
  if (auto) {
    auto.focus();
    return;
  }
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: false });
  } else {
    main.focus();
  }
}

async function switchLang(code) {
  rememberLang(code);
  await loadLang(code);
  const me = api.currentMe();
  if (me && me.user.lang !== code) {
    // Save it on the account too, when the centre offers that; the browser's
    // choice above already holds either way.
    try {
      await api.patch('/me', { lang: code });
      me.user.lang = code;
    } catch {
      /* not offered by this centre: keep the browser's choice */
    }
  }
  flash(t('lang.changed'), 'ok');
  // The switcher keeps the focus: arrow keys on a closed list change it at
  // once, and the person is still choosing.
  pendingFocus = 'lang-switch';
  await route();
}

async function boot() {
  // Whoever signs in finds no draft of anybody else who wrote in this tab;
  // their own (left when their session ended) comes back.
  api.onSignedIn(dropOthersDrafts);
  let me = null;
  try {
    me = await api.loadMe();
  } catch {
    me = null;
  }
  await loadLang(chooseLang(me && (me.user.lang || (me.tenant && me.tenant.lang))));
  document.getElementById('lang-switch').addEventListener('change', (ev) => {
    const code = normalise(ev.target.value);
    if (code) switchLang(code);
  });
  document.getElementById('logout').addEventListener('click', async () => {
    dropAllDrafts();
    try {
      await api.logout();
    } catch {
      /* the session is gone either way */
    }
    flash(t('login.signed_out'), 'ok');
    location.hash = '#/login';
  });
  // The skip link moves the focus to the page's start: followed as a link,
  // its "#main" would be read as a route (a "not found" page).
  document.getElementById('skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();
    focusHeading(document.getElementById('main'));
  });
  window.addEventListener('hashchange', () => {
    clearErrorFlash();
    route();
  });
  await route();
  document.body.classList.add('ready');
}

boot();
