// SPDX-License-Identifier: Apache-2.0
// settings: language (this browser and the account), the SME's settings
// (name, default language, which alerts send an emergency mail), the people
// who get those mails (contacts, with a warning while there is none, or while
// the centre sends no mail at all: then the SME is to ask its IT company), and the
// users who may sign in. SME owners manage their own company; the vendor's
// admin picks an SME first and marks which of the vendor's people are on duty
// (they get every SME's emergency mails); an analyst sees whether they are on
// duty. A manager gives a person a temporary password (they must change it at
// the next sign-in) and stops or restarts an account (someone who left); never
// their own, which they change on the account page.
import * as api from '../api.js';
import { h, field, fmtTime, fmtMinutes, clear, stackOnPhone, smeMailOffNote, markInvalid, clearInvalid } from '../dom.js';
import { t, lang } from '../i18n.js';

// Most powerful first; a new person gets the last (least) unless picked.
const ROLES_SME = ['owner', 'staff'];
const ROLES_VENDOR = ['admin', 'analyst'];

// The language list at the top of the page as the reader sees it: the
// choice it shows now and the other one, each in its own language as
// index.html writes them (日本語, English). Its label is for screen readers
// only, so the help names these instead.
function languageChoices() {
  const options = [...document.getElementById('lang-switch').options];
  const text = (o) => (o ? o.textContent.trim() : '');
  return { shown: text(options.find((o) => o.value === lang())), other: text(options.find((o) => o.value !== lang())) };
}

function languageSection() {
  return h('section', { class: 'card', 'aria-labelledby': 'lang-h' },
    h('h2', { id: 'lang-h' }, t('settings.language')),
    h('p', { id: 'lang-help' }, t('settings.language_help', { current: t('lang.name.' + lang()), ...languageChoices() })),
    h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'focus-lang', onclick: () => document.getElementById('lang-switch').focus() }, t('settings.language_go'))));
}

function tenantSection(tenant, ctx) {
  const name = field(t('settings.tenant_name'), 'input', { name: 'name', maxlength: 200, required: true });
  const tlang = field(t('settings.tenant_lang'), 'select', { name: 'lang' }, [['ja', t('lang.name.ja')], ['en', t('lang.name.en')]]);
  const sev = field(t('settings.mail_severity'), 'select', { name: 'mail_severity', 'aria-describedby': 'sev-help' },
    [1, 2, 3, 4].map((n) => [String(n), t('settings.mail_sev.' + n)]));
  name.input.value = tenant.name || '';
  tlang.input.value = tenant.lang || 'ja';
  sev.input.value = String(tenant.mail_severity || 2);
  const form = h('form', { class: 'card', id: 'tenant-form', 'aria-labelledby': 'tenant-h', novalidate: true },
    h('h2', { id: 'tenant-h' }, t('settings.tenant_title', { name: tenant.name })),
    name.wrap, tlang.wrap, sev.wrap, h('p', { class: 'hint', id: 'sev-help' }, t('settings.mail_severity_help')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('common.save'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    if (!name.input.value.trim()) {
      ctx.flash(t('settings.tenant_name_missing'), 'error');
      markInvalid(name.input);
      return;
    }
    try {
      await api.patch('/tenants/' + tenant.id, { name: name.input.value.trim(), lang: tlang.input.value, mail_severity: Number(sev.input.value) });
      ctx.flash(t('common.saved'), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    }
  });
  return form;
}

// The people who get emergency mails: GET lists them, PUT replaces the
// whole list (add and remove both send the new list).
async function contactsSection(tenant, ctx) {
  const box = h('section', { class: 'card', 'aria-labelledby': 'contacts-h' }, h('h2', { id: 'contacts-h' }, t('settings.contacts')), h('p', { class: 'hint' }, t('settings.contacts_help')));
  const r = await api.optional(api.get('/tenants/' + tenant.id + '/contacts'));
  if (r.missing) {
    box.append(h('p', { class: 'empty not-available' }, t('common.not_available_long')));
    return box;
  }
  const items = ((r.data && r.data.items) || []).map((c) => ({ name: c.name || '', email: c.email }));
  const save = async (list, done) => {
    try {
      await api.call('PUT', '/tenants/' + tenant.id + '/contacts', { contacts: list.map((c) => (c.name ? { name: c.name, email: c.email } : { email: c.email })) });
      await ctx.route();
      ctx.flash(done, 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    }
  };
  const manage = api.canManage();
  // With mail off ("mail_enabled": false; an older centre does not say,
  // which reads as on) nobody at the SME gets a mail, contacts or not: that
  // is the one thing to tell its people, with whom to ask (the vendor's
  // dashboard tells the vendor). Else, without a contact, the promise above
  // (mail at once) holds for nobody here.
  if (r.data && r.data.mail_enabled === false && !api.isVendor()) box.append(smeMailOffNote());
  else if (!items.length) box.append(h('p', { class: 'notice mail-warning', id: 'no-recipient' }, t(manage ? 'settings.no_recipient' : 'mail.no_recipient_ask')));
  box.append(items.length ? h('ul', { class: 'simple-list', id: 'contact-list' }, items.map((c, i) => h('li', {},
    c.name ? c.name + ' ' : '', h('span', { class: 'muted' }, c.email), ' ',
    manage ? h('button', { type: 'button', class: 'secondary small-button', 'aria-label': t('settings.contact_remove_named', { email: c.email }),
      onclick: () => save(items.filter((_, j) => j !== i), t('settings.contact_removed', { email: c.email })) }, t('settings.contact_remove')) : null))) : h('p', { class: 'empty' }, t('settings.no_contacts')));
  if (manage) {
    const cname = field(t('settings.contact_name'), 'input', { name: 'name', maxlength: 200 });
    const cmail = field(t('settings.contact_email'), 'input', { name: 'email', type: 'email', maxlength: 254, required: true });
    const form = h('form', { class: 'inline-form', id: 'contact-form', novalidate: true }, cname.wrap, cmail.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('settings.contact_add'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearInvalid(form);
      const email = cmail.input.value.trim();
      if (!email.includes('@')) {
        ctx.flash(t('settings.contact_bad_email'), 'error');
        markInvalid(cmail.input);
        return;
      }
      save([...items, { name: cname.input.value.trim(), email }], t('settings.contact_added', { email }));
    });
    box.append(form);
  }
  return box;
}

// The vendor admin's switch for who is on duty: those people also get every
// SME's emergency mails (PUT /api/v1/users/ID/duty, admin only). The box shows
// what the centre answered; a failed change puts it back.
function dutySwitch(u, ctx) {
  const box = h('input', { type: 'checkbox', role: 'switch', class: 'duty-switch', id: 'duty-' + u.id, checked: !!u.on_duty,
    'aria-label': t('settings.duty_named', { email: u.email }), 'aria-describedby': 'duty-help' });
  box.addEventListener('change', async () => {
    const on = box.checked;
    box.disabled = true;
    try {
      const r = await api.call('PUT', '/users/' + u.id + '/duty', { on_duty: on });
      box.checked = !!(r && r.on_duty);
      ctx.flash(t(box.checked ? 'settings.duty_on' : 'settings.duty_off', { email: u.email }), 'ok');
    } catch (e) {
      box.checked = !on;
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    } finally {
      box.disabled = false;
    }
  });
  return h('label', { class: 'duty' }, box, h('span', { 'aria-hidden': 'true' }, t('settings.user_duty')));
}

// What a vendor user who cannot change it (an analyst) sees: whether the
// emergency mails come to them now, and who switches it.
function dutyNote(user) {
  if (typeof user.on_duty !== 'boolean') return null;
  return h('p', { id: 'duty-state' }, t(user.on_duty ? 'settings.duty_state_on' : 'settings.duty_state_off'), ' ', t('settings.duty_ask_admin'));
}

function userState(u) {
  if (u.disabled) return h('span', { class: 'badge' }, t('settings.user_disabled'));
  if (u.must_change_password) return t('settings.user_must_change');
  return t('settings.user_active');
}

const PASSWORD_MIN_CHARS = 12; // the centre's MM_PASSWORD_MIN_CHARS, counted as characters

// The message beside the page (app.js flash), which markInvalid adds to the
// field's description, so a screen reader reads it with the field.
function flashBox() {
  return document.getElementById('flash');
}

// The field a refusal of the centre is about: the one it names (center-api.md,
// Errors: "field"), else the one its code is about (409 conflict: the address
// is in use). fields: name -> input.
const FIELD_OF_CODE = { conflict: 'email', password_too_short: 'password' };
function refusedField(e, fields) {
  if (!(e instanceof api.ApiError)) return null;
  return fields[e.field] || fields[FIELD_OF_CODE[e.code]] || null;
}

// Says text beside the page and marks the field at fault, as the page's own
// checks do (the field is then read with the message).
function sayInvalid(ctx, text, input) {
  ctx.flash(text, 'error');
  if (input) markInvalid(input, flashBox());
}

// What is wrong with a new person's e-mail address and first password
// ({text, field}), or null. The forms check in script (novalidate) so the
// message is in the page's language and read out, not the browser's bubble.
function newUserProblem(email, pw) {
  if (!email.value.trim()) return { text: t('settings.user_missing'), field: email };
  if (!pw.value) return { text: t('settings.user_missing'), field: pw };
  if (email.validity.typeMismatch) return { text: t('settings.email_invalid'), field: email };
  if ([...pw.value].length < PASSWORD_MIN_CHARS) return { text: t('apierr.password_too_short'), field: pw };
  return null;
}

// A temporary password for u (POST /api/v1/users/ID/password): the person
// must change it when they next sign in; every browser of theirs is signed
// out and their API tokens (scripts' keys) are revoked, said when there were any.
function resetForm(u, ctx) {
  const pw = field(t('settings.reset_password'), 'input', { type: 'password', name: 'password', minlength: 12, maxlength: 200, required: true, autocomplete: 'new-password' });
  const form = h('form', { class: 'inline-form', id: 'reset-form-' + u.id, novalidate: true }, pw.wrap,
    h('p', { class: 'hint' }, t('settings.reset_help')),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('settings.reset_submit'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    if ([...pw.input.value].length < PASSWORD_MIN_CHARS) {
      sayInvalid(ctx, t('apierr.password_too_short'), pw.input);
      return;
    }
    try {
      const r = await api.post('/users/' + u.id + '/password', { password: pw.input.value });
      await ctx.route();
      const tokens = Number(r && r.tokens_revoked) || 0;
      ctx.flash(t('settings.reset_done', { email: u.email }) + (tokens ? ' ' + t('settings.reset_tokens', { n: tokens }) : ''), 'ok');
    } catch (e) {
      sayInvalid(ctx, t('error.action_failed', { detail: api.errorText(e) }), refusedField(e, { password: pw.input }));
    }
  });
  return h('details', { class: 'reset' }, h('summary', { 'aria-label': t('settings.reset_named', { email: u.email }) }, t('settings.reset')), form);
}

// Stops an account (it cannot sign in, its browsers are signed out) or lets
// it sign in again (PATCH /api/v1/users/ID). Stopping is asked once more in
// place, in words an owner reads without help, with "cancel" focused: a
// stray click must not sign a colleague out. Re-enabling needs no question.
function disableButton(u, ctx) {
  const off = !u.disabled;
  const label = off ? t('settings.disable_named', { email: u.email }) : t('settings.enable_named', { email: u.email });
  // True when done; false after an error, which the flash tells.
  const act = async () => {
    try {
      await api.patch('/users/' + u.id, { disabled: off });
      await ctx.route();
      ctx.flash(t(off ? 'settings.disabled_done' : 'settings.enabled_done', { email: u.email }), 'ok');
      return true;
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
      return false;
    }
  };
  const button = h('button', { type: 'button', class: 'secondary small-button', id: 'disable-' + u.id, 'aria-label': label,
    onclick: () => (off ? ask() : act()) }, off ? t('settings.disable') : t('settings.enable'));
  const ask = () => {
    const id = 'disable-confirm-' + u.id;
    const no = h('button', { type: 'button', class: 'secondary small-button', id: id + '-no' }, t('settings.disable_cancel'));
    const yes = h('button', { type: 'button', class: 'small-button', id: id + '-yes', 'aria-label': t('settings.disable_yes_named', { email: u.email }) }, t('settings.disable_yes'));
    const box = h('div', { class: 'confirm', id, role: 'group', 'aria-labelledby': id + '-text' },
      h('p', { id: id + '-text' }, t('settings.disable_confirm', { email: u.email })), h('div', { class: 'actions' }, yes, no));
    no.addEventListener('click', () => {
      box.replaceWith(button);
      button.focus();
    });
    // Escape answers "cancel", as it closes a question anywhere else.
    box.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !no.disabled) no.click();
    });
    // Both wait for the answer; after an error (the last admin stopped
    // meanwhile, 409; the centre out of reach) they work again, "cancel"
    // focused: the person may cancel or try again.
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      no.disabled = true;
      if (!(await act())) {
        yes.disabled = false;
        no.disabled = false;
        no.focus();
      }
    });
    button.replaceWith(box);
    no.focus();
  };
  return button;
}

function userActions(u, ctx) {
  if (u.id === api.currentMe().user.id) return h('a', { href: '#/account' }, t('settings.own_password'));
  return h('div', { class: 'user-actions' }, disableButton(u, ctx), u.disabled ? null : resetForm(u, ctx));
}

async function usersSection(tenantId, ctx) {
  const vendorTenant = tenantId === 0;
  // On duty: only the vendor's own people, and only the admin may switch it.
  const duty = vendorTenant && api.currentMe().user.role === 'admin';
  const users = await api.listAll('/users', { tenant: tenantId }, 500);
  const roles = vendorTenant ? ROLES_VENDOR : ROLES_SME;
  const email = field(t('settings.user_email'), 'input', { name: 'email', type: 'email', maxlength: 254, required: true, autocomplete: 'off' });
  const role = field(t('settings.user_role'), 'select', { name: 'role' }, roles.map((r) => [r, t('role.' + r)]));
  // The least power unless the manager picks more (staff, analyst).
  role.input.value = roles[roles.length - 1];
  const ulang = field(t('settings.user_lang'), 'select', { name: 'lang' }, [['ja', t('lang.name.ja')], ['en', t('lang.name.en')]]);
  const sfx = '-' + tenantId;
  // Required: an account made without a password cannot sign in, and nothing
  // on this page could give it one later.
  const pw = field(t('settings.user_password'), 'input', { name: 'password', type: 'password', minlength: 12, maxlength: 200, required: true, autocomplete: 'new-password', 'aria-describedby': 'pw-help' + sfx });
  const form = h('form', { class: 'inline-form', id: 'user-form' + sfx, novalidate: true }, email.wrap, role.wrap, ulang.wrap, pw.wrap,
    h('p', { class: 'hint', id: 'pw-help' + sfx }, t('settings.password_help')),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('settings.user_add'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    const problem = newUserProblem(email.input, pw.input);
    if (problem) {
      sayInvalid(ctx, problem.text, problem.field);
      return;
    }
    const body = { email: email.input.value.trim(), role: role.input.value, lang: ulang.input.value };
    body.password = pw.input.value;
    if (api.isVendor()) body.tenant_id = tenantId;
    try {
      await api.post('/users', body);
      await ctx.route();
      ctx.flash(t('settings.user_added', { email: body.email }), 'ok');
    } catch (e) {
      const text = e.status === 409 ? t('settings.user_exists') : t('error.action_failed', { detail: api.errorText(e) });
      sayInvalid(ctx, text, refusedField(e, { email: email.input, password: pw.input, role: role.input, lang: ulang.input }));
    }
  });
  const cols = [t('settings.user_email'), t('settings.user_role'), t('settings.user_lang'), t('settings.user_since'), t('settings.user_state'), duty ? t('settings.user_duty') : null, t('settings.user_actions')];
  return h('section', { class: 'card', 'aria-labelledby': 'users-h' + sfx },
    h('h2', { id: 'users-h' + sfx }, t(vendorTenant ? 'settings.vendor_users' : 'settings.users')),
    duty ? h('p', { class: 'hint', id: 'duty-help' }, t('settings.duty_help')) : null,
    h('div', { class: 'table-wrap' }, stackOnPhone(h('table', { class: 'grid', id: 'user-table' + sfx },
      h('caption', { class: 'visually-hidden' }, t('settings.users')),
      h('thead', {}, h('tr', {}, cols.filter((x) => x !== null).map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, users.items.map((u) => h('tr', { dataset: { id: u.id } }, h('th', { scope: 'row' }, u.email), h('td', {}, t('role.' + u.role)), h('td', {}, t('lang.name.' + (u.lang || 'ja'))), h('td', {}, fmtTime(u.created_at)),
        h('td', {}, userState(u)), duty ? h('td', {}, dutySwitch(u, ctx)) : null, h('td', {}, userActions(u, ctx)))))))),
    h('h3', {}, t('settings.user_new')), form);
}

// Response-time targets for incidents: the vendor's admin sets them per SME;
// the SME sees what was agreed.
async function slaSection(tenant, ctx) {
  const r = await api.optional(api.get('/tenants/' + tenant.id + '/sla'));
  if (r.missing || !r.data) return null;
  const box = h('section', { class: 'card', 'aria-labelledby': 'sla-h' }, h('h2', { id: 'sla-h' }, t('incident.sla')));
  const admin = api.isVendor() && api.canManage();
  if (!admin) {
    box.append(h('p', {}, t('settings.sla_text', { ack: fmtMinutes(r.data.acknowledge_minutes), resolve: fmtMinutes(r.data.resolve_minutes) })));
    return box;
  }
  const ack = field(t('settings.sla_ack'), 'input', { name: 'acknowledge_minutes', type: 'number', min: 1, max: 100000, value: r.data.acknowledge_minutes });
  const res = field(t('settings.sla_resolve'), 'input', { name: 'resolve_minutes', type: 'number', min: 1, max: 1000000, value: r.data.resolve_minutes });
  const form = h('form', { class: 'inline-form', id: 'sla-form', novalidate: true }, ack.wrap, res.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.save'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api.call('PUT', '/tenants/' + tenant.id + '/sla', { acknowledge_minutes: Number(ack.input.value), resolve_minutes: Number(res.input.value) });
      ctx.flash(t('common.saved'), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    }
  });
  box.append(h('p', { class: 'hint' }, t('settings.sla_help')), form);
  return box;
}

async function tenantBlocks(holder, tenantId, ctx) {
  clear(holder);
  const tenant = await api.get('/tenants/' + tenantId);
  if (api.canManage()) holder.append(tenantSection(tenant, ctx));
  holder.append(await contactsSection(tenant, ctx));
  const sla = await slaSection(tenant, ctx);
  if (sla) holder.append(sla);
  if (api.canManage()) holder.append(await usersSection(tenant.id, ctx));
}

export async function render(main, ctx) {
  const me = api.currentMe();
  main.append(h('h1', {}, t('settings.title')), languageSection());
  if (api.isVendor()) {
    if (me.user.role !== 'admin') {
      const fresh = await api.get('/me'); // the duty flag as it is now, not as at sign-in
      main.append(h('p', { class: 'hint' }, t('settings.analyst_note')));
      const note = dutyNote(fresh.user);
      if (note) main.append(h('section', { class: 'card', 'aria-labelledby': 'duty-h' }, h('h2', { id: 'duty-h' }, t('settings.user_duty')), note));
      return;
    }
    const tenants = await api.listAll('/tenants', {}, 2000);
    const smes = tenants.items.filter((x) => x.id !== 0);
    main.append(await usersSection(0, ctx));
    if (!smes.length) return;
    const wanted = Number(ctx.query.get('tenant')) || smes[0].id;
    const pickT = field(t('settings.pick_tenant'), 'select', { name: 'tenant', id: 'pick-tenant' }, smes.map((x) => [String(x.id), x.name]));
    pickT.wrap.className = 'picker';
    pickT.input.value = String(wanted);
    const holder = h('div', {});
    // The list keeps the focus on the redrawn page: arrow keys choose at once.
    pickT.input.addEventListener('change', () => ctx.go('#/settings?tenant=' + pickT.input.value, { focus: 'pick-tenant' }));
    main.append(h('section', { 'aria-labelledby': 'sme-set-h' }, h('h2', { id: 'sme-set-h' }, t('settings.sme_settings')), pickT.wrap, holder));
    await tenantBlocks(holder, wanted, ctx);
    return;
  }
  const holder = h('div', {});
  main.append(holder);
  await tenantBlocks(holder, me.tenant.id, ctx);
}
