// SPDX-License-Identifier: Apache-2.0
// stats: the vendor's figures for a period, overall and per SME (SMEs served,
// alerts, incidents, handled remotely or on site, median times). The figures
// come from GET /api/v1/stats?since=&until= (the chosen days as dates, which
// the centre reads in its report zone); the page draws whatever numbers
// the reply holds (known names get a translated label, *_s / *_seconds become
// durations in the reports' words, fmtSeconds: "1 時間 30 分"), so it follows
// the API as it grows. Without the API it says so.
import * as api from '../api.js';
import { h, field, dateField, fmtSeconds, monthlyReport, stackOnPhone, nextDay } from '../dom.js';
import { t, lang } from '../i18n.js';

function label(key) {
  const k = 'stats.k.' + key;
  const s = t(k);
  return s === k ? key.replace(/_/g, ' ') : s;
}

function value(key, v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && /_(seconds|s)$/.test(key)) return fmtSeconds(v);
  if (typeof v === 'number') return v.toLocaleString(lang() === 'ja' ? 'ja-JP' : 'en-GB', { maximumFractionDigits: 1 });
  if (typeof v === 'object') return v[lang()] || v.en || JSON.stringify(v);
  return String(v);
}

const isFigure = (v) => v === null || ['number', 'string'].includes(typeof v);

function figures(obj) {
  const keys = Object.keys(obj || {}).filter((k) => isFigure(obj[k]) && !['tenant_id', 'name', 'id'].includes(k));
  return h('dl', { class: 'stats-list' }, keys.map((k) => h('div', { class: 'stat' },
    h('dt', { class: 'stat-label' }, label(k)), h('dd', { class: 'stat-value' }, value(k, obj[k])))));
}

function perTenant(rows) {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => isFigure(r[k]) && !['tenant_id', 'name', 'id', 'tenant_name', 'smes_served'].includes(k))))];
  return h('div', { class: 'table-wrap' }, stackOnPhone(h('table', { class: 'grid', id: 'stats-table' },
    h('caption', { class: 'visually-hidden' }, t('stats.per_tenant')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('common.tenant')), keys.map((k) => h('th', { scope: 'col', class: 'num' }, label(k))))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, r.name || r.tenant_name || '#' + r.tenant_id),
      keys.map((k) => h('td', { class: 'num' }, value(k, r[k])))))))));
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('stats.title')));
  if (!api.isVendor()) {
    main.append(h('p', {}, t('stats.vendor_only')));
    return;
  }
  const since = dateField(t('stats.since'), { type: 'date', name: 'since', id: 'stats-since', value: ctx.query.get('since') });
  const until = dateField(t('stats.until'), { type: 'date', name: 'until', id: 'stats-until', value: ctx.query.get('until') });
  const form = h('form', { class: 'filters', 'aria-label': t('stats.period') }, since.wrap, until.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('stats.show'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (since.input.value) q.set('since', since.input.value);
    if (until.input.value) q.set('until', until.input.value);
    ctx.go('#/stats' + (q.toString() ? '?' + q : ''));
  });
  main.append(h('p', { class: 'lead' }, t('stats.intro')), form);
  const smes = (await api.listAll('/tenants', {}, 2000)).items.filter((x) => x.id !== 0);
  if (smes.length) {
    const which = field(t('common.tenant'), 'select', { name: 'tenant', id: 'report-tenant' }, smes.map((x) => [String(x.id), x.name]));
    main.append(h('section', { 'aria-labelledby': 'st-report' }, h('h2', { id: 'st-report' }, t('report.monthly')),
      h('p', { class: 'hint' }, t('report.monthly_help_vendor')),
      monthlyReport(() => '/api/v1/tenants/' + which.input.value + '/reports/monthly', 'vendor-report', [which])));
  }
  // The period is whole days of the report zone, as every date in the UI:
  // the dates go as they are, the centre reading a date as the start of
  // that day in its report zone and counting [since, until), so until is
  // the day after the last one chosen.
  const params = {};
  if (since.input.value) params.since = since.input.value;
  if (until.input.value) params.until = nextDay(until.input.value);
  const r = await api.optional(api.get('/stats', params));
  if (r.missing) {
    main.append(h('p', { class: 'empty not-available', id: 'not-available' }, t('common.not_available_long')));
    return;
  }
  const d = r.data || {};
  const overall = d.overall || d.total || d;
  const rows = d.tenants || d.per_tenant || [];
  main.append(h('section', { 'aria-labelledby': 'st-all' }, h('h2', { id: 'st-all' }, t('stats.overall')), figures(overall)));
  if (rows.length) main.append(h('section', { 'aria-labelledby': 'st-per' }, h('h2', { id: 'st-per' }, t('stats.per_tenant')), perTenant(rows)));
}
