// SPDX-License-Identifier: Apache-2.0
// incidents: the list of incidents and one incident — where it stands on the
// steps (triage, phone/remote support, on-site visit, recovery, closed), its
// timeline, and the on-site dispatch (who, when, where). Shows a plain "not
// available yet" note when the centre has no incident API.
import * as api from '../api.js';
import { h, fmtTime } from '../dom.js';
import { t, pick } from '../i18n.js';

export const STEPS = ['triage', 'remote', 'onsite', 'recovery', 'closed'];

function statusText(s) {
  return t('incident.status.' + (STEPS.includes(s) ? s : 'triage'));
}

async function list(main) {
  const r = await api.optional(api.get('/incidents', { limit: 100 }));
  if (r.missing) {
    main.append(h('h1', {}, t('incident.list_title')), h('p', { class: 'empty not-available', id: 'not-available' }, t('common.not_available_long')));
    return;
  }
  const vendor = api.isVendor();
  const items = r.data.items || [];
  main.append(
    h('h1', {}, t('incident.list_title')),
    h('p', { class: 'lead' }, t('incident.intro')),
    items.length === 0 ? h('p', { class: 'empty' }, t('dash.no_incidents')) :
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('caption', { class: 'visually-hidden' }, t('incident.list_title')),
        h('thead', {}, h('tr', {}, [t('incident.title'), vendor ? t('common.tenant') : null, t('incident.status'), t('incident.assignee'), t('incident.updated')].filter(Boolean).map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, items.map((x) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: '#/incidents/' + x.id }, pick(x.title) || t('incident.number', { id: x.id }))),
          vendor ? h('td', {}, x.tenant_name || '#' + x.tenant_id) : null,
          h('td', {}, h('span', { class: 'badge' }, statusText(x.status))),
          h('td', {}, x.assignee || '—'),
          h('td', {}, fmtTime(x.updated_at || x.created_at))))))),
  );
}

function steps(status) {
  const at = STEPS.indexOf(status);
  return h('ol', { class: 'steps', 'aria-label': t('incident.steps') }, STEPS.map((s, i) => h('li', {
    class: i < at ? 'done' : i === at ? 'current' : '',
    'aria-current': i === at ? 'step' : false,
  }, t('incident.status.' + s))));
}

async function detail(main, id) {
  const x = await api.get('/incidents/' + id);
  const timeline = x.timeline || x.events || [];
  const d = x.dispatch || null;
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/incidents' }, t('incident.back'))),
    h('h1', {}, pick(x.title) || t('incident.number', { id: x.id })),
    steps(x.status),
    h('dl', { class: 'facts' },
      h('dt', {}, t('incident.status')), h('dd', {}, statusText(x.status)),
      h('dt', {}, t('incident.assignee')), h('dd', {}, x.assignee || '—'),
      h('dt', {}, t('incident.opened')), h('dd', {}, fmtTime(x.created_at)),
      x.closed_at ? [h('dt', {}, t('incident.closed_at')), h('dd', {}, fmtTime(x.closed_at))] : null),
    d ? h('section', { class: 'card', 'aria-labelledby': 'disp-h' }, h('h2', { id: 'disp-h' }, t('incident.dispatch')),
      h('dl', { class: 'facts' },
        h('dt', {}, t('incident.dispatch_who')), h('dd', {}, d.who || '—'),
        h('dt', {}, t('incident.dispatch_when')), h('dd', {}, fmtTime(d.when || d.at)),
        h('dt', {}, t('incident.dispatch_where')), h('dd', {}, d.where || '—'))) : null,
    h('section', { 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h' }, t('incident.timeline')),
      timeline.length ? h('ol', { class: 'timeline' }, timeline.map((e) => h('li', {},
        h('span', { class: 'muted' }, fmtTime(e.at || e.created_at)), ' ',
        h('strong', {}, e.status ? statusText(e.status) : e.kind || e.action || ''), ' ',
        e.actor ? h('span', { class: 'muted' }, e.actor) : null,
        e.note || e.detail ? h('p', {}, pick(e.note) || pick(e.detail)) : null))) : h('p', { class: 'empty' }, t('incident.no_timeline'))),
    h('p', {}, h('a', { href: '/api/v1/incidents/' + encodeURIComponent(x.id) + '/report', target: '_blank', rel: 'noopener' }, t('incident.report'))),
  );
}

export async function render(main, ctx) {
  if (ctx.params[0]) return detail(main, ctx.params[0]);
  return list(main);
}
