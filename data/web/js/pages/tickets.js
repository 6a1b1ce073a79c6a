// SPDX-License-Identifier: Apache-2.0
// tickets: the consultation desk — the list of tickets, a form to open one
// (category and message, in the SME's own words), and a ticket's message
// thread with a reply box. The desk API may not exist on an older centre:
// then the page says so instead of failing.
import * as api from '../api.js';
import { h, field, fmtTime } from '../dom.js';
import { t } from '../i18n.js';

export const CATEGORIES = ['suspicious_mail', 'fake_warning', 'encrypted', 'unauthorised_access', 'lost_device', 'other'];

function notAvailable(main, titleKey) {
  main.append(h('h1', {}, t(titleKey)), h('p', { class: 'empty not-available', id: 'not-available' }, t('common.not_available_long')));
}

function statusText(s) {
  return t('ticket.status.' + (s || 'open'));
}

async function list(main) {
  const r = await api.optional(api.get('/tickets', { limit: 100 }));
  if (r.missing) return notAvailable(main, 'ticket.list_title');
  const vendor = api.isVendor();
  const items = r.data.items || [];
  main.append(
    h('h1', {}, t('ticket.list_title')),
    h('p', { class: 'lead' }, t(vendor ? 'ticket.intro_vendor' : 'ticket.intro_sme')),
    h('p', {}, h('a', { class: 'button primary', href: '#/tickets/new', id: 'new-ticket' }, t('ticket.new'))),
    items.length === 0 ? h('p', { class: 'empty' }, t('dash.no_tickets')) :
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'ticket-table' },
        h('caption', { class: 'visually-hidden' }, t('ticket.list_title')),
        h('thead', {}, h('tr', {}, [t('ticket.subject'), t('ticket.category'), vendor ? t('common.tenant') : null, t('ticket.status'), t('ticket.updated')].filter(Boolean).map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, items.map((x) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: '#/tickets/' + x.id }, x.subject || t('ticket.number', { id: x.id }))),
          h('td', {}, t('ticket.cat.' + (CATEGORIES.includes(x.category) ? x.category : 'other'))),
          vendor ? h('td', {}, x.tenant_name || '#' + x.tenant_id) : null,
          h('td', {}, h('span', { class: 'badge' }, statusText(x.status))),
          h('td', {}, fmtTime(x.updated_at || x.created_at))))))),
  );
}

async function newForm(main, ctx) {
  const probe = await api.optional(api.get('/tickets', { limit: 1 }));
  if (probe.missing) return notAvailable(main, 'ticket.new_title');
  const vendor = api.isVendor();
  let tenant = null;
  if (vendor) {
    const tenants = await api.listAll('/tenants', {}, 2000);
    tenant = field(t('common.tenant'), 'select', { name: 'tenant_id', required: true }, tenants.items.filter((x) => x.id !== 0).map((x) => [String(x.id), x.name]));
  }
  const category = field(t('ticket.category'), 'select', { name: 'category', required: true }, CATEGORIES.map((c) => [c, t('ticket.cat.' + c)]));
  const subject = field(t('ticket.subject'), 'input', { name: 'subject', maxlength: 200, required: true });
  const message = field(t('ticket.message'), 'textarea', { name: 'message', rows: 6, maxlength: 10000, required: true, 'aria-describedby': 'msg-help' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('ticket.send'));
  const form = h('form', { class: 'card', id: 'ticket-form' },
    tenant ? tenant.wrap : null, category.wrap, subject.wrap, message.wrap,
    h('p', { class: 'hint', id: 'msg-help' }, t('ticket.message_help')),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!subject.input.value.trim() || !message.input.value.trim()) {
      ctx.flash(t('ticket.missing'), 'error');
      (subject.input.value.trim() ? message.input : subject.input).focus();
      return;
    }
    const body = { category: category.input.value, subject: subject.input.value.trim(), message: message.input.value.trim() };
    if (tenant) body.tenant_id = Number(tenant.input.value);
    submit.disabled = true;
    try {
      const created = await api.post('/tickets', body);
      ctx.go('#/tickets/' + created.id);
      ctx.flash(t('ticket.sent'), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: e.message }), 'error');
      submit.disabled = false;
    }
  });
  main.append(h('p', { class: 'crumbs' }, h('a', { href: '#/tickets' }, t('ticket.back'))), h('h1', {}, t('ticket.new_title')), h('p', { class: 'lead' }, t('ticket.new_intro')), form);
}

async function detail(main, ctx, id) {
  const r = await api.get('/tickets/' + id);
  const x = r.ticket || r;
  const messages = r.messages || x.messages || [];
  const thread = h('ol', { class: 'thread', id: 'thread' }, messages.map((m) => h('li', { class: 'msg' + (m.from_vendor || m.author_role === 'admin' || m.author_role === 'analyst' ? ' msg-vendor' : '') },
    h('p', { class: 'msg-meta' }, h('strong', {}, m.author || m.author_email || ''), ' ', h('span', { class: 'muted' }, fmtTime(m.created_at || m.at))),
    h('p', { class: 'msg-body' }, m.body || m.message || ''))));
  const reply = field(t('ticket.reply'), 'textarea', { name: 'body', rows: 4, maxlength: 10000, required: true });
  const form = h('form', { class: 'card' }, reply.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('ticket.send_reply'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reply.input.value.trim()) {
      ctx.flash(t('ticket.missing'), 'error');
      reply.input.focus();
      return;
    }
    try {
      await api.post('/tickets/' + id + '/messages', { body: reply.input.value.trim() });
      await ctx.route();
      ctx.flash(t('ticket.reply_sent'), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: e.message }), 'error');
    }
  });
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/tickets' }, t('ticket.back'))),
    h('h1', {}, x.subject || t('ticket.number', { id: x.id })),
    h('dl', { class: 'facts' },
      h('dt', {}, t('ticket.category')), h('dd', {}, t('ticket.cat.' + (CATEGORIES.includes(x.category) ? x.category : 'other'))),
      h('dt', {}, t('ticket.status')), h('dd', {}, h('span', { class: 'badge' }, statusText(x.status))),
      h('dt', {}, t('ticket.opened')), h('dd', {}, fmtTime(x.created_at))),
    h('section', { 'aria-labelledby': 'thread-h' }, h('h2', { id: 'thread-h' }, t('ticket.thread')),
      messages.length ? thread : h('p', { class: 'empty' }, t('ticket.no_messages'))),
    x.status === 'closed' ? h('p', {}, t('ticket.closed_note')) : form,
  );
}

export async function render(main, ctx) {
  const sub = ctx.params[0];
  if (!sub) return list(main, ctx);
  if (sub === 'new') return newForm(main, ctx);
  return detail(main, ctx, sub);
}
