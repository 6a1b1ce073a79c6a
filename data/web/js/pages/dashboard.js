// SPDX-License-Identifier: Apache-2.0
// dashboard: the first page after sign-in. Vendor users see every SME with
// its open alerts and incidents and the health of each sensor (last seen,
// backlog, silent warning). SME users see their own open alerts explained in
// plain words (what happened, what to do now, which threat), their
// consultation tickets and incidents. Both are told when an emergency mail
// would reach nobody they can see: an SME with no contacts, a vendor with
// no one on duty or a centre that sends no mail at all (docs/design/mail.md
// "Who gets what").
import * as api from '../api.js';
import { h, append, fmtTime, severityBadge, alertTitle, alertMore, monthlyReport, seenSummary, stackOnPhone, smeMailOffNote } from '../dom.js';
import { t, pick, pickOnly, lang } from '../i18n.js';

const OPEN_ALERT = ['new', 'acknowledged'];
const CLOSED_INCIDENT = ['closed', 'resolved'];

async function openAlerts(params) {
  const lists = await Promise.all(OPEN_ALERT.map((status) => api.listAll('/alerts', { ...params, status }, 1000)));
  return { items: lists.flatMap((l) => l.items), more: lists.some((l) => l.more) };
}

function countBy(items, key) {
  const m = new Map();
  for (const it of items) m.set(it[key], (m.get(it[key]) || 0) + 1);
  return m;
}

function stat(label, value, note, cls) {
  return h('div', { class: 'stat ' + (cls || '') }, h('span', { class: 'stat-value' }, String(value)), h('span', { class: 'stat-label' }, label), note ? h('span', { class: 'stat-note' }, note) : null);
}

// Events per minute over the last hour: the API gives hundredths (9 events
// an hour is 0.15), so the table shows two decimals, always (a column of
// 0.15, 2.00, 0.02 reads evenly; one decimal showed 0.15 as 0.2 and 0.02 as 0).
function fmtRate(n) {
  const v = Number(n) || 0;
  return v.toLocaleString(lang() === 'ja' ? 'ja-JP' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function sensorState(s) {
  if (s.silent) return h('span', { class: 'badge sev-1' }, t('sensor.silent'));
  if (!s.last_seen) return h('span', { class: 'badge st-unknown' }, t('sensor.never'));
  return h('span', { class: 'badge ok' }, t('sensor.ok'));
}

// The vendor's table has the technical figures (rate, backlog, drops); an SME
// user's (brief) only what they can act on: which sensor, when it last
// reported, and whether it is working.
export function sensorTable(sensors, tenantNames, brief) {
  const tech = !brief;
  const head = [t('sensor.name'), tenantNames ? t('common.tenant') : null, t('sensor.last_seen'), tech ? t('sensor.rate') : null, tech ? t('sensor.backlog') : null, tech ? t('sensor.drops') : null, t('sensor.state')].filter(Boolean);
  return stackOnPhone(h('table', { class: 'grid' },
    h('caption', { class: 'visually-hidden' }, t('sensor.caption')),
    h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, sensors.map((s) => h('tr', { class: s.silent ? 'row-warn' : '', dataset: { sensor: s.id } },
      h('th', { scope: 'row' }, s.name || '#' + s.id),
      tenantNames ? h('td', {}, tenantNames.get(s.tenant_id) || '#' + s.tenant_id) : null,
      h('td', {}, fmtTime(s.last_seen)),
      tech ? h('td', { class: 'num rate' }, fmtRate(s.event_rate_per_min)) : null,
      tech ? h('td', { class: 'num' }, String(s.spool_backlog ?? 0)) : null,
      tech ? h('td', { class: 'num' }, String(s.drops ?? 0)) : null,
      h('td', {}, sensorState(s)))))));
}

// Whether the tenant's emergency mails reach anyone (GET .../contacts; the
// SME dashboard): 'off' when the centre sends no mail at all
// ("mail_enabled": false), false without any contact, true with one; null
// when the centre does not say (an older centre, a failed call).
async function mailReach(tenantId) {
  try {
    const r = await api.get('/tenants/' + tenantId + '/contacts');
    if (r && r.mail_enabled === false) return 'off';
    return !!(r && r.items && r.items.length);
  } catch {
    return null;
  }
}

// The SMEs without any contact (the vendor dashboard): the tenant list counts them (contacts;
// an older centre without the count names none).
function smesWithoutContacts(smes) {
  return smes.filter((s) => s.contacts === 0);
}

// Who is on duty now (GET /duty, read by the admin and analysts alike):
// people, the vendor users with the flag and the configuration's [mail] duty
// addresses ({email, source}), and mailOff, true only when the centre says
// it sends no mail ("mail_enabled": false). null when /duty cannot be read
// (an older centre has none).
async function onDutyNow() {
  try {
    const r = await api.get('/duty');
    return { people: r.items.filter((x) => x.on_duty), mailOff: r.mail_enabled === false };
  } catch {
    return null;
  }
}

// The vendor's warnings about emergency mails nobody would get. With mail
// off the one warning is that: nobody gets any, whoever is on duty, and the
// fix is the centre's configuration, not the duty switch; the SMEs without
// a contact are still named (they need one once mail is on). Otherwise,
// nobody on duty: only the admin can choose who is, an analyst is asked to
// tell one.
function vendorMailWarnings(duty, without) {
  const mailOff = !!(duty && duty.mailOff);
  const nobody = !mailOff && duty && duty.people.length === 0;
  if (!mailOff && !nobody && !without.length) return null;
  return h('section', { class: 'notice mail-warning', id: 'mail-warning', 'aria-label': t('dash.mail_warning') },
    mailOff ? mailOffNote() : null,
    nobody ? h('p', { id: 'no-duty' }, t('dash.no_duty'), ' ', api.canManage() ? h('a', { href: '#/settings' }, t('dash.no_duty_link')) : t('dash.no_duty_ask')) : null,
    without.length ? h('p', { id: 'no-contacts' }, t(mailOff ? 'dash.no_contacts_smes_mail_off' : 'dash.no_contacts_smes'), lang() === 'ja' ? '' : ' ',
      without.map((s, i) => [i ? t('dash.list_sep') : '', h('a', { href: '#/settings?tenant=' + s.id }, s.name)])) : null);
}

// The centre sends no e-mail: the admin is told what to change in the
// centre's configuration file (done by whoever runs the centre), an analyst
// to tell an administrator.
function mailOffNote() {
  return h('p', { id: 'mail-off' }, t('dash.mail_off'), lang() === 'ja' ? '' : ' ', t(api.canManage() ? 'dash.mail_off_fix' : 'dash.mail_off_ask'));
}

// Who gets every company's emergency e-mails now, the configuration's
// addresses marked as such; nobody with mail off (mailOffNote says so).
function onDutyLine(duty) {
  if (!duty || duty.mailOff || !duty.people.length) return null;
  return h('p', { id: 'on-duty' }, t('dash.on_duty'), lang() === 'ja' ? '' : ' ',
    duty.people.map((x, i) => [i ? t('dash.list_sep') : '', h('span', { class: 'duty-' + x.source }, x.email), x.source === 'config' ? t('dash.from_config') : '']));
}

async function vendorDashboard(main) {
  const [tenants, alerts, sensors, incidents, duty, tickets] = await Promise.all([
    api.listAll('/tenants', {}, 2000),
    openAlerts({}),
    api.listAll('/sensors', {}, 2000),
    api.optional(api.listAll('/incidents', {}, 2000)),
    onDutyNow(),
    api.optional(api.listAll('/tickets', { status: 'open' }, 2000)),
  ]);
  const smes = tenants.items.filter((x) => x.id !== 0);
  const without = smesWithoutContacts(smes);
  const names = new Map(tenants.items.map((x) => [x.id, x.name]));
  const alertsBy = countBy(alerts.items, 'tenant_id');
  const highBy = countBy(alerts.items.filter((a) => Number(a.severity) <= 2), 'tenant_id');
  const openInc = incidents.missing ? [] : incidents.data.items.filter((i) => !CLOSED_INCIDENT.includes(i.status));
  const incBy = countBy(openInc, 'tenant_id');
  const sensorsBy = countBy(sensors.items, 'tenant_id');
  const silentBy = countBy(sensors.items.filter((s) => s.silent), 'tenant_id');
  const silent = sensors.items.filter((s) => s.silent).length;
  const plus = alerts.more ? '+' : '';

  // dom.js's append leaves out the parts that are null (no warning, nobody
  // on duty); the DOM's own append wrote them as the text "null".
  append(main, [
    h('h1', {}, t('dash.vendor_title')),
    vendorMailWarnings(duty, without),
    onDutyLine(duty),
    h('section', { class: 'stats', 'aria-label': t('dash.summary') },
      stat(t('dash.smes'), smes.length),
      stat(t('dash.open_alerts'), alerts.items.length + plus, null, alerts.items.length ? 'warn' : ''),
      stat(t('dash.open_incidents'), incidents.missing ? '—' : openInc.length, incidents.missing ? t('common.not_available') : null),
      stat(t('dash.open_tickets'), tickets.missing ? '—' : tickets.data.items.length + (tickets.data.more ? '+' : ''), tickets.missing ? t('common.not_available') : null, !tickets.missing && tickets.data.items.length ? 'warn' : ''),
      stat(t('dash.silent_sensors'), silent, null, silent ? 'danger' : '')),
    h('section', { 'aria-labelledby': 'smes-h' },
      h('h2', { id: 'smes-h' }, t('dash.smes_title')),
      smes.length === 0 ? h('p', { class: 'empty' }, t('dash.no_smes')) :
        h('div', { class: 'table-wrap' }, stackOnPhone(h('table', { class: 'grid', id: 'sme-table' },
          h('caption', { class: 'visually-hidden' }, t('dash.smes_title')),
          h('thead', {}, h('tr', {}, [t('common.tenant'), t('dash.open_alerts'), t('dash.high_alerts'), t('dash.open_incidents'), t('dash.sensors')].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, smes.map((s) => h('tr', { dataset: { tenant: s.id } },
            h('th', { scope: 'row' }, h('a', { href: '#/alerts?tenant=' + s.id }, s.name)),
            h('td', { class: 'num' }, String(alertsBy.get(s.id) || 0)),
            h('td', { class: 'num' + (highBy.get(s.id) ? ' danger-text' : '') }, String(highBy.get(s.id) || 0)),
            h('td', { class: 'num' }, incidents.missing ? '—' : String(incBy.get(s.id) || 0)),
            h('td', {}, String(sensorsBy.get(s.id) || 0), silentBy.get(s.id) ? [' ', h('span', { class: 'badge sev-1' }, t('dash.n_silent', { n: silentBy.get(s.id) }))] : null))))))),
    ),
    openTickets(tickets, names),
    h('section', { 'aria-labelledby': 'sensors-h' },
      h('h2', { id: 'sensors-h' }, t('dash.sensor_health')),
      sensors.items.length === 0 ? h('p', { class: 'empty' }, t('dash.no_sensors')) : h('div', { class: 'table-wrap', id: 'vendor-sensors' }, sensorTable(sensors.items, names))),
    h('section', { 'aria-labelledby': 'recent-h' },
      h('h2', { id: 'recent-h' }, t('dash.recent_alerts')),
      recentList(alerts.items, names),
      h('p', {}, h('a', { href: '#/alerts' }, t('dash.all_alerts')))),
  ]);
}

// The companies' open consultations (status "open": not waiting for the
// company, not resolved), newest first as the centre lists them, ten at
// most, each with its company and when it was opened: a question an owner
// sent was on no page the vendor opens first (#open-tickets).
function openTickets(tickets, names) {
  if (tickets.missing) return null;
  const items = tickets.data.items;
  return h('section', { 'aria-labelledby': 'open-tickets-h' },
    h('h2', { id: 'open-tickets-h' }, t('dash.open_tickets_title')),
    items.length === 0 ? h('p', { class: 'empty', id: 'open-tickets' }, t('dash.no_open_tickets')) :
      h('ul', { class: 'alert-list', id: 'open-tickets' }, items.slice(0, 10).map((x) => h('li', {},
        h('a', { href: '#/tickets/' + x.id }, x.subject || t('ticket.cat.' + (x.category || 'other'))), ' ',
        h('span', { class: 'muted' }, names.get(x.tenant_id) || ''), ' ',
        h('span', { class: 'muted' }, fmtTime(x.created_at))))),
    h('p', {}, h('a', { href: '#/tickets' }, t('dash.all_tickets'))));
}

// Most severe first, then newest: what to look at before anything else.
function bySeverityThenTime(a, b) {
  return (Number(a.severity) - Number(b.severity)) || String(b.last_seen).localeCompare(String(a.last_seen));
}

// The ten open alerts to look at first (sorted before cut: a 緊急 alert
// older than ten others must not drop off).
function recentList(items, names) {
  if (!items.length) return h('p', { class: 'empty' }, t('dash.no_open_alerts'));
  const top = [...items].sort(bySeverityThenTime).slice(0, 10);
  return h('ul', { class: 'alert-list', id: 'recent-alerts' }, top.map((a) => h('li', {},
    severityBadge(a.severity), ' ',
    h('a', { href: '#/alerts/' + a.id }, alertTitle(a)), ' ',
    names ? h('span', { class: 'muted' }, names.get(a.tenant_id) || '') : null, ' ',
    h('span', { class: 'muted' }, fmtTime(a.last_seen)))));
}

// One open alert as a card with its plain-language explanation. Its "now"
// is only in the languages whose message has no step of its own (an older
// sensor's English message has one, its Japanese filler none): never taken
// from the other language.
export function explanationBlock(ex) {
  if (!ex) return null;
  const part = (key, text) => (text ? [h('dt', {}, t('alert.' + key)), h('dd', {}, text)] : null);
  return h('dl', { class: 'explain' }, part('what', pick(ex.what)), part('now', pickOnly(ex.now)), part('threat', pick(ex.threat)));
}

async function smeDashboard(main) {
  const me = api.currentMe();
  const [alerts, sensors, tickets, incidents, reach] = await Promise.all([
    openAlerts({}),
    api.listAll('/sensors', {}, 200),
    api.optional(api.get('/tickets', { limit: 10 })),
    api.optional(api.get('/incidents', { limit: 10 })),
    mailReach(me.user.tenant_id),
  ]);
  const sorted = [...alerts.items].sort(bySeverityThenTime);
  const top = sorted.slice(0, 5);
  const details = await Promise.all(top.map((a) => api.get('/alerts/' + a.id).catch(() => a)));
  const silent = sensors.items.filter((s) => s.silent);
  // No sensor has ever reported: nothing is being watched yet, so "all clear"
  // would be a false comfort.
  const watching = sensors.items.some((s) => s.last_seen);
  let summary = watching ? t('dash.sme_all_clear') : t('dash.sme_not_watching');
  if (alerts.items.length) summary = alerts.items.length === 1 ? t('dash.sme_attention_one') : t('dash.sme_attention', { n: alerts.items.length });

  main.append(
    h('h1', {}, t('dash.sme_title', { name: me.tenant ? me.tenant.name : '' })),
    h('section', { class: 'summary ' + (alerts.items.length || !watching ? 'summary-warn' : 'summary-ok'), 'aria-label': t('dash.summary') },
      h('p', { class: 'summary-text', id: 'sme-summary' }, summary),
      silent.length ? h('p', { class: 'danger-text' }, t('dash.sme_silent')) : null,
      reach === 'off' ? smeMailOffNote() : reach === false ? noRecipientNote() : null,
      h('p', {}, h('a', { class: 'button', href: '#/tickets/new' }, t('dash.consult'))),
      vendorContact(me.vendor)),
    h('section', { 'aria-labelledby': 'sme-alerts-h' },
      h('h2', { id: 'sme-alerts-h' }, t('dash.your_alerts')),
      details.length === 0 ? h('p', { class: 'empty' }, t('dash.no_open_alerts')) :
        h('ul', { class: 'cards' }, details.map((a) => h('li', { class: 'card alert-card sev-border-' + a.severity },
          h('h3', {}, severityBadge(a.severity), ' ', h('a', { href: '#/alerts/' + a.id }, alertTitle(a))),
          alertMore(a) ? h('p', {}, alertMore(a)) : null,
          h('p', { class: 'muted' }, seenSummary(a)),
          explanationBlock(a.explanation)))),
      alerts.items.length > top.length ? h('p', {}, h('a', { href: '#/alerts' }, t('dash.more_alerts', { n: alerts.items.length - top.length }))) : h('p', {}, h('a', { href: '#/alerts' }, t('dash.all_alerts')))),
    h('section', { 'aria-labelledby': 'sme-tickets-h' },
      h('h2', { id: 'sme-tickets-h' }, t('dash.your_tickets')),
      tickets.missing ? h('p', { class: 'empty not-available' }, t('common.not_available_long')) :
        simpleList(tickets.data.items, (x) => '#/tickets/' + x.id, (x) => x.subject || t('ticket.cat.' + (x.category || 'other')), (x) => t('ticket.status.' + (x.status || 'open')), t('dash.no_tickets'))),
    h('section', { 'aria-labelledby': 'sme-inc-h' },
      h('h2', { id: 'sme-inc-h' }, t('dash.your_incidents')),
      incidents.missing ? h('p', { class: 'empty not-available' }, t('common.not_available_long')) :
        simpleList(incidents.data.items, (x) => '#/incidents/' + x.id, (x) => pick(x.title_i18n || x.title) || t('incident.number', { id: x.id }), (x) => t('incident.status.' + (x.status || 'triage')), t('dash.no_incidents'))),
    h('section', { 'aria-labelledby': 'sme-report-h' },
      h('h2', { id: 'sme-report-h' }, t('report.monthly')),
      h('p', { class: 'hint' }, t('report.monthly_help_sme')),
      monthlyReport('/api/v1/tenants/' + me.user.tenant_id + '/reports/monthly', 'sme-report')),
    h('section', { 'aria-labelledby': 'sme-sensors-h' },
      h('h2', { id: 'sme-sensors-h' }, t('dash.sensor_health')),
      h('p', { class: 'hint' }, t('dash.sensor_explain')),
      sensors.items.length ? h('div', { class: 'table-wrap', id: 'sme-sensors' }, sensorTable(sensors.items, null, true)) : h('p', { class: 'empty' }, t('dash.no_sensors'))),
  );
}

// Whom to call in an emergency (GET /me "vendor", the centre's [vendor]):
// only the parts set; nothing when the centre names no vendor.
function vendorContact(v) {
  if (!v) return null;
  const phone = v.phone ? h('a', { href: 'tel:' + v.phone.replace(/[^0-9+]/g, ''), id: 'vendor-phone' }, v.phone) : null;
  return h('p', { class: 'vendor-contact', id: 'vendor-contact' }, t('dash.vendor_call'), ' ',
    h('strong', {}, v.name || t('dash.vendor_default_name')),
    phone ? [' ', t('dash.vendor_phone'), ' ', phone] : null,
    v.hours ? spaced(t('dash.vendor_hours', { hours: v.hours })) : null);
}

// A text after a word: a space before it, but none before a full-width
// bracket (ja 「（受付 …）」), which carries its own space.
function spaced(text) {
  return /^[（「『]/.test(text) ? text : [' ', text];
}

// No contact: an emergency mail reaches no one at the company. The owner is
// sent to the contacts in Settings; staff ask the owner.
function noRecipientNote() {
  const manage = api.canManage();
  return h('p', { class: 'notice mail-warning', id: 'no-recipient' },
    manage ? [t('dash.no_recipient'), ' ', h('a', { href: '#/settings' }, t('dash.no_recipient_link'))] : t('mail.no_recipient_ask'));
}

function simpleList(items, href, title, status, emptyText) {
  if (!items || !items.length) return h('p', { class: 'empty' }, emptyText);
  return h('ul', { class: 'simple-list' }, items.map((x) => h('li', {},
    h('a', { href: href(x) }, title(x)), ' ', h('span', { class: 'badge' }, status(x)), ' ',
    h('span', { class: 'muted' }, fmtTime(x.updated_at || x.created_at)))));
}

export async function render(main) {
  if (api.isVendor()) await vendorDashboard(main);
  else await smeDashboard(main);
}
