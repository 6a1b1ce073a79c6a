// SPDX-License-Identifier: Apache-2.0
// alert: one alert — the plain-language explanation (what happened, which
// threat; the next step is the alert's own message, said once), the facts
// (kind in plain words, count, first/last seen, device, addresses; the
// rule's technical names apart), the evidence (latest raw events, shown as text), and the status
// actions: acknowledge, escalate (vendor), close with a reason; for SME users,
// who their IT company is and a button to ask it about this alert.
import * as api from '../api.js';
import { h, append, field, fmtTime, severityBadge, statusBadge, alertTitle, alertMore } from '../dom.js';
import { t, pick } from '../i18n.js';
import { explanationBlock } from './dashboard.js';

function facts(a, tenantName) {
  const rows = [
    [t('alert.status'), statusBadge(a.status)],
    [t('alert.severity'), severityBadge(a.severity)],
    // The kind of alert in the reader's words (none for a class the centre
    // has no words for); the sensor's English class is one of the
    // technical details below.
    a.category_label ? [t('alert.category'), pick(a.category_label)] : null,
    tenantName ? [t('common.tenant'), tenantName] : null,
    [t('alert.count'), String(a.count ?? 1)],
    [t('alert.first_seen'), fmtTime(a.first_seen)],
    [t('alert.last_seen'), fmtTime(a.last_seen)],
    [t('alert.device'), a.device || '—'],
    [t('alert.src'), a.src_ip || '—'],
    [t('alert.dest'), a.dest_ip || '—'],
    a.close_reason ? [t('alert.close_reason'), a.close_reason] : null,
    a.incident_id ? [t('alert.incident'), h('a', { href: '#/incidents/' + a.incident_id }, t('incident.number', { id: a.incident_id }))] : null,
  ].filter(Boolean);
  // The rule's name, number, class and detector are English and technical:
  // nobody's first thing to read. The vendor gets them as one small line
  // under the facts, an SME user behind a closed disclosure.
  const tech = [
    [t('alert.signature'), h('span', { lang: 'en' }, a.signature || '—')],
    [t('alert.signature_id'), String(a.signature_id ?? '—')],
    [t('alert.rule_category'), h('span', { lang: 'en' }, a.category || '—')],
    a.detector ? [t('alert.detector'), h('span', { lang: 'en' }, a.detector)] : null,
  ].filter(Boolean);
  // The explanation's advice for the IT company (ports, logs): the vendor
  // reads it as its own steps, with the facts; the owner as what the IT
  // company does, in the disclosure.
  const advice = a.explanation && pick(a.explanation.vendor) ? [t(api.isVendor() ? 'alert.vendor_steps' : 'alert.vendor_advice'), h('span', { id: 'vendor-advice' }, pick(a.explanation.vendor))] : null;
  const dl = (list, attrs) => h('dl', { class: 'facts', ...attrs }, list.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  if (api.isVendor()) {
    const line = h('p', { class: 'hint', id: 'alert-tech-line' }, t('alert.tech_line'), ': ',
      tech.map(([k, v], i) => [i ? ' · ' : '', k, ' ', v]));
    return [dl([...rows, advice].filter(Boolean), { id: 'alert-facts' }), line];
  }
  return [dl(rows, { id: 'alert-facts' }),
    h('details', { class: 'technical', id: 'alert-technical' }, h('summary', {}, t('alert.technical')), dl([...tech, advice].filter(Boolean)))];
}

function evidence(events) {
  if (!events || !events.length) return h('p', { class: 'empty' }, t('alert.no_events'));
  return h('ol', { class: 'evidence' }, events.map((e) => {
    const ev = typeof e === 'string' ? safeParse(e) : e;
    const summary = [ev.timestamp ? fmtTime(ev.timestamp) : '', [ev.src_ip, ev.src_port].filter((x) => x !== undefined).join(':'), '→', [ev.dest_ip, ev.dest_port].filter((x) => x !== undefined).join(':'), ev.proto || ''].join(' ');
    return h('li', {}, h('details', {}, h('summary', {}, summary), h('pre', { class: 'raw' }, JSON.stringify(ev, null, 2))));
  }));
}

function safeParse(s) {
  try {
    return JSON.parse(s);
  } catch {
    return { raw: s };
  }
}

function actions(a, ctx) {
  if (!api.canTriage()) return h('p', { class: 'hint' }, t('alert.read_only'));
  const box = h('section', { class: 'card actions-card', 'aria-labelledby': 'act-h' }, h('h2', { id: 'act-h' }, t('alert.actions')));
  const run = async (path, body, done) => {
    try {
      await api.post('/alerts/' + a.id + '/' + path, body);
      await ctx.route();
      ctx.flash(done, 'ok');
    } catch (e) {
      const msg = e.status === 409 ? t('alert.invalid_transition') : t('error.action_failed', { detail: api.errorText(e) });
      ctx.flash(msg, 'error');
    }
  };
  if (a.status === 'new') {
    const b = h('button', { type: 'button', id: 'act-ack', class: 'primary' }, t('alert.acknowledge'));
    b.addEventListener('click', () => run('acknowledge', undefined, t('alert.acknowledged_done')));
    // The owner's reason to acknowledge is not the vendor's.
    box.append(h('p', { class: 'hint', id: 'ack-help' }, t(api.isVendor() ? 'alert.ack_help_vendor' : 'alert.ack_help')), h('div', { class: 'actions' }, b));
  }
  if (api.isVendor() && (a.status === 'new' || a.status === 'acknowledged')) {
    const b = h('button', { type: 'button', id: 'act-escalate' }, t('alert.escalate'));
    b.addEventListener('click', async () => {
      // Opens an incident for this alert (the centre escalates the alert);
      // a centre without incidents just marks the alert escalated.
      try {
        // No title: the centre titles it by the alert's headline in each
        // language (title_i18n), so every reader sees their own.
        const inc = await api.post('/incidents', { alert_id: a.id });
        ctx.go('#/incidents/' + inc.id);
        ctx.flash(t('alert.escalated_done'), 'ok');
      } catch (e) {
        if (e.status === 404 || e.status === 405) run('escalate', {}, t('alert.escalated_done'));
        else ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
      }
    });
    box.append(h('p', { class: 'hint' }, t('alert.escalate_help')), h('div', { class: 'actions' }, b));
  }
  if (a.status !== 'closed') {
    const reason = field(t('alert.reason'), 'textarea', { name: 'reason', id: 'close-reason', rows: 2, maxlength: 1000, required: true, 'aria-describedby': 'close-help' });
    const b = h('button', { type: 'submit', id: 'act-close' }, t('alert.close'));
    const form = h('form', { class: 'close-form', novalidate: true }, h('p', { class: 'hint', id: 'close-help' }, t('alert.close_help')), reason.wrap, h('div', { class: 'actions' }, b));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const r = reason.input.value.trim();
      if (!r) {
        ctx.flash(t('alert.reason_required'), 'error');
        reason.input.setAttribute('aria-invalid', 'true');
        reason.input.focus();
        return;
      }
      run('close', { reason: r }, t('alert.closed_done'));
    });
    box.append(form);
  } else {
    box.append(h('p', {}, t('alert.is_closed')));
  }
  return box;
}

// For SME users: who the "IT company" of the alert texts is (the monitoring
// centre that runs this service) and a button that opens a consultation
// with this alert attached.
function askBox(a) {
  if (api.isVendor()) return null;
  return h('section', { class: 'card ask-card', id: 'ask-card', 'aria-labelledby': 'ask-h' },
    h('h2', { id: 'ask-h' }, t('alert.ask_title')),
    h('p', {}, t('alert.ask_who')),
    h('div', { class: 'actions' }, h('a', { class: 'button primary', id: 'ask-alert', href: '#/tickets/new?alert=' + a.id }, t('alert.ask'))));
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  const a = await api.get('/alerts/' + id);
  let tenantName = null;
  if (api.isVendor()) {
    try {
      const tn = await api.get('/tenants/' + a.tenant_id);
      tenantName = tn.name;
    } catch {
      tenantName = '#' + a.tenant_id;
    }
  }
  // append (dom.js), not the DOM method: that one writes a null child as "null".
  append(main, [
    h('p', { class: 'crumbs' }, h('a', { href: '#/alerts' }, t('alerts.back'))),
    h('h1', { id: 'alert-title' }, alertTitle(a)),
    alertMore(a) ? h('p', { class: 'lead', id: 'alert-more' }, alertMore(a)) : null,
    h('section', { class: 'card explain-card sev-border-' + a.severity, 'aria-labelledby': 'ex-h' },
      h('h2', { id: 'ex-h' }, t('alert.explanation')),
      explanationBlock(a.explanation) || h('p', {}, alertTitle(a))),
    askBox(a),
    h('div', { class: 'two-col' },
      h('section', { 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h' }, t('alert.details')), facts(a, tenantName)),
      actions(a, ctx)),
    h('section', { 'aria-labelledby': 'ev-h' },
      h('h2', { id: 'ev-h' }, t('alert.evidence')),
      h('p', { class: 'hint' }, t('alert.evidence_help')),
      evidence(a.events)),
  ]);
}
