// SPDX-License-Identifier: Apache-2.0
// login: the sign-in form. A wrong password, a locked-out account (too many
// attempts) and a failed connection each get their own plain message, once,
// next to the form (a live region); a field at fault is marked
// (aria-invalid, described by the message) until it is changed or the form is
// sent again; success loads the account's language and opens the page the
// person asked for.
import * as api from '../api.js';
import { h, field, sayAlert, markInvalid, clearInvalid } from '../dom.js';
import { t, loadLang, chooseLang, lang } from '../i18n.js';

export async function render(main, ctx) {
  const email = field(t('login.email'), 'input', { type: 'email', name: 'email', autocomplete: 'username', required: true, autofocus: true });
  const password = field(t('login.password'), 'input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', id: 'login-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h('form', { class: 'card login-form', novalidate: true, 'aria-describedby': 'login-error' },
    email.wrap, password.wrap, error, h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    sayAlert(error, '');
    clearInvalid(form);
    if (!email.input.value || !password.input.value) {
      // Read out again at a second try with a field still empty; the empty
      // field is marked, described by the message, and focused.
      sayAlert(error, t('login.missing'));
      markInvalid(email.input.value ? password.input : email.input, error);
      return;
    }
    submit.disabled = true;
    try {
      const me = await api.login(email.input.value.trim(), password.input.value);
      const want = chooseLang(me && (me.user.lang || (me.tenant && me.tenant.lang)));
      if (want !== lang()) await loadLang(want);
      const next = ctx.query.get('next');
      location.hash = next && next.startsWith('#/') && !next.startsWith('#/login') ? next : '#/';
    } catch (e) {
      let msg;
      if (e.status === 401) msg = t('login.failed');
      else if (e.status === 429) msg = t('login.rate_limited');
      else if (e instanceof api.ApiError) msg = t('login.error', { detail: api.errorText(e) });
      else msg = t('login.offline');
      // Said once, next to the form (role=alert reads it out), not also in the banner.
      sayAlert(error, msg);
      password.input.value = '';
      // A wrong address or password (which one, the centre does not say):
      // both marked, the password focused. Other failures are not the
      // fields' fault.
      if (e.status === 401) {
        markInvalid(email.input, error);
        markInvalid(password.input, error);
      } else password.input.focus();
    } finally {
      submit.disabled = false;
    }
  });

  main.append(
    h('section', { class: 'login', 'aria-labelledby': 'login-title' },
      h('h1', { id: 'login-title' }, t('login.title')),
      h('p', { class: 'lead' }, t('login.intro')),
      form,
      h('p', { class: 'hint' }, t('login.help'))),
  );
}
