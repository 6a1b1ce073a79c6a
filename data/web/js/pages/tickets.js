// SPDX-License-Identifier: Apache-2.0
// tickets: the consultation desk — the list of tickets, a form to open one
// (category, a subject that wraps rather than scroll out of a phone's
// field, and message, in the SME's own words; from an alert's page, with
// that alert attached and the subject pre-filled: #/tickets/new?alert=ID),
// and a ticket's message thread with a reply box and the incident it became
// (its title and stage). What is typed in either form is kept as a draft
// (draft.js) until it is sent. The desk API may not exist on an older centre:
// then the page says so instead of failing.
import * as api from '../api.js';
import { h, field, wrappingLineField, fmtTime, clipBytes, relatedAlerts, loadAlerts, alertTitle, stackOnPhone, markInvalid, clearInvalid } from '../dom.js';
import { t, pick } from '../i18n.js';
import { keepDraft, dropDraft } from '../draft.js';
import { statusText as stageText } from './incidents.js';

export const CATEGORIES = ['suspicious_mail', 'fake_warning', 'encrypted_files', 'unauthorised_access', 'lost_device', 'other'];
export const STATUSES = ['open', 'waiting', 'resolved', 'closed'];
const SUBJECT_MAX_BYTES = 200; // the centre's limit (UTF-8 bytes: about 66 Japanese characters)

function notAvailable(main, titleKey) {
  main.append(h('h1', {}, t(titleKey)), h('p', { class: 'empty not-available', id: 'not-available' }, t('common.not_available_long')));
}

function statusText(s) {
  return t('ticket.status.' + (STATUSES.includes(s) ? s : 'open'));
}

// The category in the reader's language: the centre's own label, else ours.
function categoryText(x) {
  return pick(x.category_label) || t('ticket.cat.' + (CATEGORIES.includes(x.category) ? x.category : 'other'));
}

async function list(main) {
  const r = await api.optional(api.get('/tickets', { limit: 100 }));
  if (r.missing) return notAvailable(main, 'ticket.list_title');
  const vendor = api.isVendor();
  const items = r.data.items || [];
  const names = vendor ? new Map((await api.listAll('/tenants', {}, 2000)).items.map((x) => [x.id, x.name])) : new Map();
  main.append(
    h('h1', {}, t('ticket.list_title')),
    h('p', { class: 'lead' }, t(vendor ? 'ticket.intro_vendor' : 'ticket.intro_sme')),
    h('p', {}, h('a', { class: 'button primary', href: '#/tickets/new', id: 'new-ticket' }, t('ticket.new'))),
    items.length === 0 ? h('p', { class: 'empty' }, t('dash.no_tickets')) :
      h('div', { class: 'table-wrap' }, stackOnPhone(h('table', { class: 'grid', id: 'ticket-table' },
        h('caption', { class: 'visually-hidden' }, t('ticket.list_title')),
        h('thead', {}, h('tr', {}, [t('ticket.subject'), t('ticket.category'), vendor ? t('common.tenant') : null, t('ticket.status'), t('ticket.updated')].filter(Boolean).map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, items.map((x) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: '#/tickets/' + x.id }, x.subject || t('ticket.number', { id: x.id }))),
          h('td', {}, categoryText(x)),
          vendor ? h('td', {}, names.get(x.tenant_id) || '#' + x.tenant_id) : null,
          h('td', {}, h('span', { class: 'badge' }, statusText(x.status))),
          h('td', {}, fmtTime(x.updated_at || x.created_at)))))))),
  );
}

// The alert a consultation is about (#/tickets/new?alert=ID, the alert
// page's "ask about this alert"): null when none is named or it cannot be
// read (the form then says so and works without it).
async function askedAlert(ctx) {
  const id = Number(ctx.query.get('alert'));
  if (!Number.isInteger(id) || id <= 0) return null;
  return api.get('/alerts/' + id).catch(() => ({ missing: true }));
}

// The attached alert shown in the form, and who answers.
function alertBox(a) {
  if (a.missing) return h('p', { class: 'hint', id: 'ticket-alert-missing' }, t('ticket.alert_missing'));
  return h('section', { class: 'attached-alert', id: 'ticket-alert', 'aria-labelledby': 'ticket-alert-h' },
    h('h2', { id: 'ticket-alert-h' }, t('ticket.about_alert')),
    relatedAlerts([a], 'ticket-alert-list'),
    h('p', { class: 'hint' }, t('ticket.answered_by')));
}

async function newForm(main, ctx) {
  const probe = await api.optional(api.get('/tickets', { limit: 1 }));
  if (probe.missing) return notAvailable(main, 'ticket.new_title');
  const vendor = api.isVendor();
  const asked = await askedAlert(ctx);
  const alert = asked && !asked.missing ? asked : null;
  let tenant = null;
  if (vendor) {
    const tenants = await api.listAll('/tenants', {}, 2000);
    // No company chosen to begin with: a question taken by phone filed
    // under the first company in the list would be shown to that
    // company's people.
    tenant = field(t('common.tenant'), 'select', { name: 'tenant_id', required: true },
      [['', t('ticket.choose_tenant')], ...tenants.items.filter((x) => x.id !== 0).map((x) => [String(x.id), x.name])]);
    if (alert) tenant.input.value = String(alert.tenant_id);
  }
  const category = field(t('ticket.category'), 'select', { name: 'category', required: true }, CATEGORIES.map((c) => [c, t('ticket.cat.' + c)]));
  const subject = wrappingLineField(t('ticket.subject'), { name: 'subject', maxlength: 200, required: true });
  const message = field(t('ticket.message'), 'textarea', { name: 'message', rows: 6, maxlength: 3300, required: true, 'aria-describedby': 'msg-help' });
  // The kind starts at "other": one left unchosen is not filed as the
  // first kind (a suspicious e-mail), which the monthly report counts.
  category.input.value = 'other';
  if (alert) {
    subject.input.value = clipBytes(t('ticket.alert_subject', { title: alertTitle(alert) }), SUBJECT_MAX_BYTES);
  }
  const submit = h('button', { type: 'submit', class: 'primary' }, t('ticket.send'));
  const form = h('form', { class: 'card', id: 'ticket-form', novalidate: true },
    asked ? alertBox(asked) : null,
    tenant ? tenant.wrap : null, category.wrap, subject.wrap, message.wrap,
    h('p', { class: 'hint', id: 'msg-help' }, t('ticket.message_help')),
    h('div', { class: 'actions' }, submit));
  // A consultation about an alert keeps its own draft.
  const draftName = alert ? 'ticket-new-alert-' + alert.id : 'ticket-new';
  if (keepDraft(form, draftName, [tenant && tenant.input, category.input, subject.input, message.input].filter(Boolean))) {
    form.prepend(h('p', { class: 'hint', id: 'draft-restored' }, t('draft.restored')));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    if (tenant && !tenant.input.value) {
      ctx.flash(t('ticket.missing_tenant'), 'error');
      markInvalid(tenant.input);
      return;
    }
    if (!subject.input.value.trim() || !message.input.value.trim()) {
      ctx.flash(t('ticket.missing'), 'error');
      markInvalid(subject.input.value.trim() ? message.input : subject.input);
      return;
    }
    if (new TextEncoder().encode(subject.input.value.trim()).length > SUBJECT_MAX_BYTES) {
      ctx.flash(t('ticket.subject_long'), 'error');
      markInvalid(subject.input);
      return;
    }
    const body = { category: category.input.value, subject: subject.input.value.trim(), body: message.input.value.trim() };
    if (tenant) body.tenant_id = Number(tenant.input.value);
    if (alert) body.alert_ids = [alert.id];
    submit.disabled = true;
    try {
      const created = await api.post('/tickets', body);
      dropDraft(draftName);
      ctx.go('#/tickets/' + created.id);
      ctx.flash(t('ticket.sent'), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
      submit.disabled = false;
    }
  });
  main.append(h('p', { class: 'crumbs' }, alert ? h('a', { href: '#/alerts/' + alert.id }, t('ticket.back_alert')) : h('a', { href: '#/tickets' }, t('ticket.back'))),
    h('h1', {}, t('ticket.new_title')), h('p', { class: 'lead' }, t('ticket.new_intro')), form);
}

function messageItem(m) {
  const author = m.author || {};
  const fromVendor = author.vendor || ['admin', 'analyst'].includes(author.role);
  return h('li', { class: 'msg' + (fromVendor ? ' msg-vendor' : '') + (m.internal ? ' msg-internal' : '') },
    h('p', { class: 'msg-meta' },
      h('strong', {}, fromVendor ? t('ticket.from_vendor', { name: author.name || '' }) : author.name || ''), ' ',
      h('span', { class: 'muted' }, fmtTime(m.at || m.created_at)),
      m.internal ? [' ', h('span', { class: 'badge' }, t('ticket.internal'))] : null),
    h('p', { class: 'msg-body' }, m.body || ''));
}

// Status buttons: SME users may mark resolved, closed or open again; the
// vendor may set any status.
function statusForm(x, ctx) {
  if (x.status === 'closed') return h('p', {}, t('ticket.closed_final'));
  const allowed = api.isVendor() ? STATUSES : ['open', 'resolved', 'closed'];
  const choices = allowed.filter((s) => s !== x.status);
  const sel = field(t('ticket.change_status'), 'select', { name: 'status', id: 'ticket-status' }, choices.map((s) => [s, statusText(s)]));
  const form = h('form', { class: 'inline-form', id: 'status-form' }, sel.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.save'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api.patch('/tickets/' + x.id, { status: sel.input.value });
      await ctx.route();
      ctx.flash(t('ticket.status_changed', { status: statusText(sel.input.value) }), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    }
  });
  return form;
}

// The incident a ticket was turned into, as a link that says what it is
// and where it stands ("取引先を名乗る怪しいメール (訪問しての対応)"); only its
// number when it cannot be read.
function incidentLink(x, inc) {
  const a = h('a', { href: '#/incidents/' + x.incident_id, id: 'ticket-incident-link' }, (inc && pick(inc.title_i18n || inc.title)) || t('incident.number', { id: x.incident_id }));
  return inc ? [a, ' ', h('span', { class: 'badge' }, stageText(inc.status))] : a;
}

async function detail(main, ctx, id) {
  const x = await api.get('/tickets/' + id);
  const [related, inc] = await Promise.all([loadAlerts(x.alert_ids), x.incident_id ? api.get('/incidents/' + x.incident_id).catch(() => null) : null]);
  const messages = x.messages || [];
  const vendor = api.isVendor();
  const reply = field(t('ticket.reply'), 'textarea', { name: 'body', rows: 4, maxlength: 3300, required: true });
  const internal = vendor ? h('div', { class: 'check' }, h('input', { type: 'checkbox', id: 'reply-internal', name: 'internal' }), ' ', h('label', { for: 'reply-internal' }, t('ticket.internal_note'))) : null;
  const form = h('form', { class: 'card', id: 'reply-form', novalidate: true }, reply.wrap, internal, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('ticket.send_reply'))));
  const drafted = internal ? [reply.input, internal.querySelector('input')] : [reply.input];
  if (keepDraft(form, 'ticket-reply-' + id, drafted)) form.prepend(h('p', { class: 'hint', id: 'draft-restored' }, t('draft.restored')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    if (!reply.input.value.trim()) {
      ctx.flash(t('ticket.missing_reply'), 'error');
      markInvalid(reply.input);
      return;
    }
    const body = { body: reply.input.value.trim() };
    if (vendor && document.getElementById('reply-internal').checked) body.internal = true;
    try {
      await api.post('/tickets/' + id + '/messages', body);
      dropDraft('ticket-reply-' + id);
      await ctx.route();
      ctx.flash(t('ticket.reply_sent'), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    }
  });
  let toIncident = null;
  if (vendor && !x.incident_id) {
    toIncident = h('button', { type: 'button', id: 'ticket-incident' }, t('ticket.make_incident'));
    toIncident.addEventListener('click', async () => {
      try {
        const inc = await api.post('/tickets/' + id + '/escalate', { title: clipBytes(x.subject || '', 200) });
        ctx.go('#/incidents/' + inc.id);
        ctx.flash(t('ticket.incident_made'), 'ok');
      } catch (e) {
        ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
      }
    });
  }
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/tickets' }, t('ticket.back'))),
    h('h1', {}, x.subject || t('ticket.number', { id: x.id })),
    h('dl', { class: 'facts', id: 'ticket-facts' },
      h('dt', {}, t('ticket.category')), h('dd', {}, categoryText(x)),
      h('dt', {}, t('ticket.status')), h('dd', {}, h('span', { class: 'badge' }, statusText(x.status))),
      h('dt', {}, t('ticket.opened')), h('dd', {}, fmtTime(x.created_at)),
      x.opened_by ? [h('dt', {}, t('ticket.opened_by')), h('dd', {}, x.opened_by.name || '')] : null,
      x.incident_id ? [h('dt', {}, t('alert.incident')), h('dd', {}, incidentLink(x, inc))] : null,
      related.length ? [h('dt', {}, t('ticket.alerts')), h('dd', {}, relatedAlerts(related, 'ticket-alerts'))] : null),
    h('section', { 'aria-labelledby': 'thread-h' }, h('h2', { id: 'thread-h' }, t('ticket.thread')),
      messages.length ? h('ol', { class: 'thread', id: 'thread' }, messages.map(messageItem)) : h('p', { class: 'empty', id: 'thread' }, t('ticket.no_messages'))),
    x.status === 'closed' ? h('p', {}, t('ticket.closed_note')) : form,
    h('section', { class: 'card', 'aria-labelledby': 'tstatus-h' }, h('h2', { id: 'tstatus-h' }, t('ticket.status')), statusForm(x, ctx), toIncident ? h('div', { class: 'actions' }, toIncident) : null),
  );
}

export async function render(main, ctx) {
  const sub = ctx.params[0];
  if (!sub) return list(main, ctx);
  if (sub === 'new') return newForm(main, ctx);
  return detail(main, ctx, sub);
}
