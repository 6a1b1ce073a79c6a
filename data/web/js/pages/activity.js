// SPDX-License-Identifier: Apache-2.0
// activity: the activity log (#/activity, GET /api/v1/audit) for the people
// who may read it (the vendor admin: every company's and the centre's own;
// an SME owner: their company's). Who did what and when, newest first, in
// words (activity.do.<action>, a readable fallback for an action this UI
// does not know), people and sensors by the names the centre gives with
// each entry (actor_name, target_name), with the address where the centre
// gives one; "show more" follows the API's cursor; the vendor may choose one
// company (#/activity?tenant=ID, 0 for the centre's own people).
import * as api from '../api.js';
import { h, field, fmtTime, stackOnPhone } from '../dom.js';
import { t } from '../i18n.js';

// The actions the centre records (center-api.md): each has words in
// i18n/activity.do.<action>; tests/e2e/i18n.test.mjs lists them too.
const KNOWN = new Set(['session.login', 'session.logout', 'user.add', 'user.lang', 'user.password',
  'user.password_reset', 'user.disable', 'user.enable', 'token.create', 'token.revoke', 'tenant.add',
  'tenant.update', 'tenant.sla', 'sensor.enrol', 'sensor.revoke', 'enrol.code', 'alert.status',
  'ticket.open', 'ticket.message', 'ticket.status', 'ticket.category', 'ticket.link_alert',
  'incident.open', 'incident.edit', 'incident.note', 'incident.status', 'contacts.replace',
  'duty.on', 'duty.off', 'mail.resend']);

// What was done, in the page's language.
function what(action) {
  return KNOWN.has(action) ? t('activity.do.' + action) : t('activity.do_other', { action });
}

// A "user:N" or "sensor:N" of an entry by the name the centre gave with it
// (actor_name, target_name: a person's e-mail address, a sensor's name), or
// in words when it gave none (a row no longer on record).
function named(ref, name) {
  const id = ref.slice(ref.indexOf(':') + 1);
  if (ref.startsWith('sensor:')) return name ? t('activity.who_sensor', { name }) : t('activity.who_sensor_gone', { id });
  return name || t('activity.who_user_gone', { id });
}

// Who did it: a person's e-mail address when the reader may see that
// person, else the kind of actor in words. An SME reader gets no name of
// the vendor's people.
function who(e) {
  const [kind, rest] = [e.actor.split(':')[0], e.actor.slice(e.actor.indexOf(':') + 1)];
  if (kind === 'user') return (e.actor_name || api.isVendor()) ? named(e.actor, e.actor_name) : t('activity.who_vendor');
  if (kind === 'token') return api.isVendor() ? t('activity.who_token', { id: rest }) : t('activity.who_vendor');
  if (kind === 'cli') return api.isVendor() ? t('activity.who_cli', { name: rest }) : t('activity.who_vendor');
  if (kind === 'sensor') return named(e.actor, e.actor_name);
  return e.actor === 'system' ? t('activity.who_system') : e.actor;
}

// The person or sensor a change was about (a user added, a sensor's
// registration cancelled...), when it is not the one who did it.
function about(e) {
  if (!/^(user|sensor):/.test(e.target) || e.target === e.actor) return null;
  if (!e.target_name && e.target.startsWith('user:') && !api.isVendor()) return null;
  return h('div', { class: 'muted small' }, t('activity.about', { name: named(e.target, e.target_name) }));
}

function row(e, names) {
  return h('tr', { dataset: { id: e.id, action: e.action } },
    h('td', {}, fmtTime(e.at)),
    h('th', { scope: 'row' }, who(e)),
    names ? h('td', {}, e.tenant_id === 0 ? t('role.vendor') : names.get(e.tenant_id) || '#' + e.tenant_id) : null,
    h('td', {}, what(e.action), about(e)),
    // The admin command line records "cli" as its address: said in words.
    h('td', {}, e.address === 'cli' ? t('activity.from_cli') : e.address || ''));
}

// The vendor's company filter: every company, the centre's own people, or one SME.
function tenantForm(query, tenants, ctx) {
  const f = field(t('common.tenant'), 'select', { name: 'tenant', id: 'activity-tenant' },
    [['', t('alerts.all_tenants')], ['0', t('role.vendor')], ...tenants.filter((x) => x.id !== 0).map((x) => [String(x.id), x.name])]);
  f.input.value = query.get('tenant') || '';
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('activity.filters') }, f.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('alerts.apply'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('#/activity' + (f.input.value ? '?tenant=' + encodeURIComponent(f.input.value) : ''));
  });
  return form;
}

export async function render(main, ctx) {
  const vendor = api.isVendor();
  const params = {};
  if (vendor && /^\d+$/.test(ctx.query.get('tenant') || '')) params.tenant = ctx.query.get('tenant');
  // Who did what comes named with each entry: no list of users is loaded.
  const [tenants, first] = await Promise.all([
    vendor ? api.listAll('/tenants', {}, 2000) : Promise.resolve(null),
    api.get('/audit', { ...params, limit: 50 }),
  ]);
  const names = tenants ? new Map(tenants.items.map((x) => [x.id, x.name])) : null;
  let cursor = first.next;

  main.append(h('h1', {}, t('activity.title')), h('p', { class: 'lead', id: 'activity-intro' }, t('activity.intro')));
  if (tenants) main.append(tenantForm(ctx.query, tenants.items, ctx));
  if (!first.items.length) {
    main.append(h('p', { class: 'empty', id: 'activity-empty' }, t('activity.none')));
    return;
  }
  const tbody = h('tbody', {}, first.items.map((e) => row(e, names)));
  const head = [t('activity.col_time'), t('activity.col_who'), names ? t('common.tenant') : null, t('activity.col_what'), t('activity.col_address')]
    .filter((x) => x !== null).map((x) => h('th', { scope: 'col' }, x));
  const table = h('table', { class: 'grid', id: 'activity-table' },
    h('caption', { class: 'visually-hidden' }, t('activity.caption')),
    h('thead', {}, h('tr', {}, head)), tbody);
  stackOnPhone(table);
  const countLine = h('p', { class: 'muted', id: 'activity-count', 'aria-live': 'polite' });
  const updateCount = () => {
    countLine.textContent = t(cursor ? 'activity.shown_more' : 'activity.shown', { n: tbody.rows.length });
  };
  updateCount();
  const more = h('button', { type: 'button', class: 'secondary', id: 'activity-more', hidden: !cursor }, t('alerts.more'));
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await api.get('/audit', { ...params, limit: 50, cursor });
      const added = tbody.rows.length;
      for (const e of page.items) tbody.append(row(e, names));
      stackOnPhone(table);
      cursor = page.next;
      more.hidden = !cursor;
      updateCount();
      // The focus goes on to the first entry added (the button may be gone).
      const cell = tbody.rows[added] && tbody.rows[added].querySelector('th');
      if (cell) {
        cell.setAttribute('tabindex', '-1');
        cell.focus();
      }
    } catch (e) {
      ctx.flash(t('error.load_failed', { detail: api.errorText(e) }), 'error');
    } finally {
      more.disabled = false;
    }
  });
  main.append(h('div', { class: 'table-wrap' }, table), countLine, more);
}
