// SPDX-License-Identifier: Apache-2.0
// account: the signed-in person's own account: who they are, and the form
// that changes their password (the current one, the new one twice; POST
// /api/v1/me/password). Someone whose password another person chose (a new
// account, a reset by a manager) is brought here first by app.js and can go
// nowhere else until it is changed. Changing it signs out every other
// browser of this person; this one stays signed in, with the new session the
// reply brings (its cookie, and its CSRF token kept here).
import * as api from '../api.js';
import { h, field, append, sayAlert, markInvalid, clearInvalid } from '../dom.js';
import { t } from '../i18n.js';

const MIN_CHARS = 12; // the centre's MM_PASSWORD_MIN_CHARS, counted as characters
// The field a refusal of the centre is about (center-api.md's error codes).
const FIELD_OF_CODE = { wrong_password: 'cur', password_too_short: 'next', password_unchanged: 'next' };

function whoSection(me) {
  const place = me.tenant && me.tenant.id !== 0 ? me.tenant.name : t('role.vendor');
  return h('section', { class: 'card', 'aria-labelledby': 'who-h' },
    h('h2', { id: 'who-h' }, t('account.who')),
    h('p', { id: 'account-who' }, t('nav.signed_in', { email: me.user.email, place, role: t('role.' + me.user.role) })));
}

// What is wrong with the form before it is sent, as {text, field} (the
// field to fix: the first empty one, else the new password or its
// repetition), or null.
function formProblem(cur, next, again) {
  const empty = [cur, next, again].find((f) => !f.value);
  if (empty) return { text: t('account.missing'), field: empty };
  if ([...next.value].length < MIN_CHARS) return { text: t('apierr.password_too_short'), field: next };
  if (next.value !== again.value) return { text: t('account.mismatch'), field: again };
  return null;
}

function passwordForm(ctx, must) {
  const cur = field(t('account.current'), 'input', { type: 'password', name: 'current_password', autocomplete: 'current-password', required: true, maxlength: 200, autofocus: must });
  const next = field(t('account.new'), 'input', { type: 'password', name: 'new_password', autocomplete: 'new-password', required: true, minlength: MIN_CHARS, maxlength: 200, 'aria-describedby': 'pw-rule' });
  const again = field(t('account.again'), 'input', { type: 'password', name: 'new_password_again', autocomplete: 'new-password', required: true, maxlength: 200 });
  const error = h('p', { class: 'form-error', id: 'password-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('account.change'));
  const form = h('form', { class: 'card', id: 'password-form', novalidate: true, 'aria-labelledby': 'pw-h', 'aria-describedby': 'password-error' },
    h('h2', { id: 'pw-h' }, t('account.password')),
    cur.wrap, next.wrap, h('p', { class: 'hint', id: 'pw-rule' }, t('account.rule')), again.wrap, error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const problem = formProblem(cur.input, next.input, again.input);
    // Said once, next to the form (role=alert reads it out), as on the
    // sign-in page: not also in the live region above, which read it twice.
    // The field to fix gets the focus and is marked (aria-invalid, described
    // by the message) until it is changed or the form is sent again.
    ctx.flash('');
    clearInvalid(form);
    sayAlert(error, problem ? problem.text : '');
    if (problem) {
      markInvalid(problem.field, error);
      return;
    }
    submit.disabled = true;
    try {
      const fresh = await api.post('/me/password', { current_password: cur.input.value, new_password: next.input.value });
      // The centre ended this browser's session with the old password and
      // gave it a new one (cookie and CSRF token): the next call uses it.
      api.currentMe().user = fresh.user;
      api.currentMe().csrf_token = fresh.csrf_token;
      ctx.flash(t('account.changed'), 'ok');
      if (must) ctx.go('#/');
      else for (const f of [cur, next, again]) f.input.value = '';
    } catch (e) {
      sayAlert(error, api.errorText(e));
      // The field the centre found at fault is marked; after any other
      // failure (the centre busy or out of reach) the focus goes back to
      // the new password, unmarked.
      const bad = FIELD_OF_CODE[e.code];
      if (bad) markInvalid({ cur, next }[bad].input, error);
      else next.input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function render(main, ctx) {
  const me = api.currentMe();
  const must = !!me.user.must_change_password;
  append(main, [h('h1', {}, t('account.title')),
    must ? h('p', { class: 'notice', id: 'must-change' }, t('account.must_change')) : null,
    whoSection(me), passwordForm(ctx, must)]);
}
