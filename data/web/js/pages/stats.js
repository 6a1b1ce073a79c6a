// SPDX-License-Identifier: Apache-2.0
// stats: the vendor's figures for a period, overall and per SME (SMEs served,
// alerts, incidents, handled remotely or on site, median times). The figures
// come from GET /api/v1/stats?since=&until= (the chosen days as dates, which
// the centre reads in its report zone); the page draws whatever numbers
// the reply holds (known names get a translated label, *_s / *_seconds become
// durations in the reports' words, fmtSeconds: "1 時間 30 分"), so it follows
// the API as it grows. Without the API it says so. Alerts count by the day
// they reached the centre, as in the monthly report; the page says so. A
// period that cannot be counted (the start after the end, or after today
// when no end is chosen: the centre answers 400) is said next to the
// fields, which stay, and is not asked for; the picker offers no such day.
// Without both days chosen, the page says which period the figures cover.
import * as api from '../api.js';
import { h, field, dateField, fmtTime, fmtSeconds, monthlyReport, stackOnPhone, nextDay, zonedToday, laterDay } from '../dom.js';
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

// What is wrong with a period of date field values ('' when not chosen),
// as {key, field: 'since'|'until'}, or null when the centre can count it:
// the start after the end, or after today when no end is chosen (the end
// is then now).
function periodProblem(since, until) {
  if (since && until && laterDay(since, until)) return { key: 'stats.until_before_since', field: 'until' };
  if (since && !until && laterDay(since, zonedToday())) return { key: 'stats.since_after_today', field: 'since' };
  return null;
}

// The period's two fields, a "show" button and the line next to them that
// says what is wrong with the period (#stats-period-error); say(problem)
// (periodProblem's) shows it, marks that field and describes the field with
// it, and returns problem; say(null) clears it. The picker offers no end
// before the start and no start after the end (or today).
function periodForm(ctx) {
  const since = dateField(t('stats.since'), { type: 'date', name: 'since', id: 'stats-since', value: ctx.query.get('since') });
  const until = dateField(t('stats.until'), { type: 'date', name: 'until', id: 'stats-until', value: ctx.query.get('until') });
  const error = h('p', { class: 'form-error', id: 'stats-period-error', role: 'alert' });
  const fields = { since: since.input, until: until.input };
  const bound = () => {
    since.input.max = until.input.value || zonedToday();
    until.input.min = since.input.value;
  };
  const say = (problem) => {
    error.textContent = problem ? t(problem.key) : '';
    for (const [name, input] of Object.entries(fields)) {
      const bad = !!problem && problem.field === name;
      if (bad) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', input.id + '-said' + (bad ? ' ' + error.id : ''));
    }
    return problem;
  };
  const form = h('form', { class: 'filters', 'aria-label': t('stats.period'), novalidate: true }, since.wrap, until.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('stats.show'))), error);
  for (const input of Object.values(fields)) input.addEventListener('change', bound);
  bound();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const problem = say(periodProblem(since.input.value, until.input.value));
    if (problem) {
      fields[problem.field].focus();
      return;
    }
    const q = new URLSearchParams();
    if (since.input.value) q.set('since', since.input.value);
    if (until.input.value) q.set('until', until.input.value);
    ctx.go('#/stats' + (q.toString() ? '?' + q : ''));
  });
  return { form, since: since.input, until: until.input, say };
}

// With a day not chosen, the centre picks that end (now, or 30 days before
// the end), and the fields say nothing of it: the period the figures cover
// is said from the reply's since and until (#stats-shown). With both days
// chosen the fields say it already.
function shownPeriod(period, d) {
  if ((period.since.value && period.until.value) || !d.since || !d.until) return null;
  return h('p', { id: 'stats-shown' }, t('stats.shown', { since: fmtTime(d.since), until: fmtTime(d.until) }));
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('stats.title')));
  if (!api.isVendor()) {
    main.append(h('p', {}, t('stats.vendor_only')));
    return;
  }
  const period = periodForm(ctx);
  main.append(h('p', { class: 'lead' }, t('stats.intro')), period.form);
  const smes = (await api.listAll('/tenants', {}, 2000)).items.filter((x) => x.id !== 0);
  if (smes.length) {
    const which = field(t('common.tenant'), 'select', { name: 'tenant', id: 'report-tenant' }, smes.map((x) => [String(x.id), x.name]));
    main.append(h('section', { 'aria-labelledby': 'st-report' }, h('h2', { id: 'st-report' }, t('report.monthly')),
      h('p', { class: 'hint' }, t('report.monthly_help_vendor')),
      monthlyReport(() => '/api/v1/tenants/' + which.input.value + '/reports/monthly', 'vendor-report', [which])));
  }
  // A period from the address that cannot be counted is said, not asked.
  if (period.say(periodProblem(period.since.value, period.until.value))) return;
  // The period is whole days of the report zone, as every date in the UI:
  // the dates go as they are, the centre reading a date as the start of
  // that day in its report zone and counting [since, until), so until is
  // the day after the last one chosen.
  const params = {};
  if (period.since.value) params.since = period.since.value;
  if (period.until.value) params.until = nextDay(period.until.value);
  let r;
  try {
    r = await api.optional(api.get('/stats', params));
  } catch (e) {
    // A period the centre refused all the same (its clock past midnight
    // before this one's): said next to the fields like the others.
    if (!(e instanceof api.ApiError) || e.status !== 400) throw e;
    period.say({ key: 'stats.bad_period', field: 'since' });
    return;
  }
  if (r.missing) {
    main.append(h('p', { class: 'empty not-available', id: 'not-available' }, t('common.not_available_long')));
    return;
  }
  const d = r.data || {};
  const overall = d.overall || d.total || d;
  const rows = d.tenants || d.per_tenant || [];
  main.append(h('section', { 'aria-labelledby': 'st-all' }, h('h2', { id: 'st-all' }, t('stats.overall')),
    shownPeriod(period, d), h('p', { class: 'hint', id: 'stats-counted' }, t('stats.counted')), figures(overall)));
  if (rows.length) main.append(h('section', { 'aria-labelledby': 'st-per' }, h('h2', { id: 'st-per' }, t('stats.per_tenant')), perTenant(rows)));
}
