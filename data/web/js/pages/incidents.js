// SPDX-License-Identifier: Apache-2.0
// incidents: the list of incidents and one incident — where it stands on the
// steps (triage, phone/remote support, on-site visit, recovery, closed), its
// timeline, the on-site dispatch (who, when, where), and the texts of the
// incident report (what happened, impact, actions taken, what we ask next:
// the vendor writes them here, the owner reads them). A note being written
// is kept as a draft (draft.js) until it is saved. Shows a plain "not
// available yet" note when the centre has no incident API.
import * as api from '../api.js';
import { h, append, field, dateField, fmtTime, timeZone, zonedInputToUtc, fmtMinutes, fmtSeconds, severityBadge, relatedAlerts, loadAlerts, alertTitle, stackOnPhone, markInvalid, clearInvalid } from '../dom.js';
import { t, pick, lang } from '../i18n.js';
import { keepDraft, dropDraft } from '../draft.js';

export const STEPS = ['triage', 'remote', 'onsite', 'recovery', 'closed'];

// A stage in the reader's words (also for a ticket's linked incident).
export function statusText(s) {
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
  const names = vendor ? new Map((await api.listAll('/tenants', {}, 2000)).items.map((x) => [x.id, x.name])) : new Map();
  main.append(
    h('h1', {}, t('incident.list_title')),
    h('p', { class: 'lead' }, t('incident.intro')),
    items.length === 0 ? h('p', { class: 'empty' }, t('dash.no_incidents')) :
      h('div', { class: 'table-wrap' }, stackOnPhone(h('table', { class: 'grid', id: 'incident-table' },
        h('caption', { class: 'visually-hidden' }, t('incident.list_title')),
        h('thead', {}, h('tr', {}, [t('incident.title'), vendor ? t('common.tenant') : null, t('incident.status'), t('incident.handling'), t('incident.updated')].filter(Boolean).map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, items.map((x) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: '#/incidents/' + x.id }, pick(x.title_i18n || x.title) || t('incident.number', { id: x.id }))),
          vendor ? h('td', {}, names.get(x.tenant_id) || '#' + x.tenant_id) : null,
          h('td', {}, h('span', { class: 'badge' }, statusText(x.status))),
          h('td', {}, t('incident.handling.' + (x.handling === 'onsite' ? 'onsite' : 'remote'))),
          h('td', {}, fmtTime(x.updated_at || x.created_at)))))))),
  );
}

// The steps, each before the current one marked as done when the incident
// went through it (its timeline's stage changes), else as skipped: a false
// alarm closed from the first step, or a case handled without a visit,
// did not show a visit "done" (until session 29 every earlier step was).
function steps(status, timeline) {
  const at = STEPS.indexOf(status);
  const passed = new Set(['triage']);
  for (const e of timeline) if (e.kind === 'status') [e.from, e.to].forEach((s) => passed.add(s));
  // A step done is marked by a tick and a word, not by its colour alone
  // (WCAG 1.4.1); a step skipped by a dash and a word; the current one is
  // filled and named by aria-current.
  return h('ol', { class: 'steps', 'aria-label': t('incident.steps') }, STEPS.map((s, i) => {
    const done = i < at && passed.has(s);
    const skipped = i < at && !done;
    return h('li', {
      class: done ? 'done' : skipped ? 'skipped' : i === at ? 'current' : '',
      'aria-current': i === at ? 'step' : false,
    }, done || skipped ? h('span', { class: 'step-mark', 'aria-hidden': 'true' }, done ? '✓ ' : '– ') : null, t('incident.status.' + s),
    done || skipped ? h('span', { class: 'visually-hidden' }, t(done ? 'incident.step_done' : 'incident.step_skipped')) : null);
  }));
}

// A time taken, in whole minutes as the incident report says it (1 時間
// 35 分), or what has not happened yet while the step is not reached
// ("まだ解決していません"; was "—", then "まだです").
function minutes(sec, notYet) {
  if (sec === null || sec === undefined) return t(notYet);
  return fmtSeconds(sec);
}

// A time against its target, as the incident report says it: "12 分（目標の
// 1 時間以内でした）", "まだ解決していません（目標の 1 日を過ぎています）".
function slaText(took, notYet, target, breached) {
  const reached = took !== null && took !== undefined;
  const key = reached ? (breached ? 'incident.sla_missed' : 'incident.sla_met') : (breached ? 'incident.sla_overdue' : 'incident.sla_pending');
  return t(key, { took: minutes(took, notYet), target: fmtMinutes(target) });
}

function slaBlock(sla) {
  if (!sla) return null;
  const row = (label, took, notYet, target, breached) => [h('dt', {}, label), h('dd', { class: breached ? 'danger-text' : '' }, slaText(took, notYet, target, breached))];
  return h('div', { class: 'sla' }, h('h3', {}, t('incident.sla')), h('dl', { class: 'facts' },
    row(t('incident.time_to_ack'), sla.time_to_acknowledge_s, 'incident.not_acknowledged', sla.acknowledge_minutes, sla.acknowledge_breached),
    row(t('incident.time_to_resolve'), sla.time_to_resolve_s, 'incident.not_resolved', sla.resolve_minutes, sla.resolve_breached)));
}

// The body of an "alert added" entry is "#N": the alert's headline, linked,
// when it is one of the incident's alerts.
function entryBody(e, alerts) {
  const m = e.kind === 'alert' && /^#(\d+)$/.exec(e.body || '');
  const a = m && alerts.get(Number(m[1]));
  if (!m) return h('p', { class: 'msg-body' }, e.body);
  return h('p', { class: 'msg-body' }, h('a', { href: '#/alerts/' + m[1] }, a && (a.signature || a.message) ? alertTitle(a) : t('alert.number', { id: m[1] })));
}

function timelineItem(e, names, alerts) {
  let what = e.kind || '';
  if (e.kind === 'status' || (e.from && e.to)) what = t('incident.moved', { from: statusText(e.from), to: statusText(e.to) });
  else if (t('incident.kind.' + e.kind) !== 'incident.kind.' + e.kind) what = t('incident.kind.' + e.kind);
  return h('li', { class: e.internal ? 'msg-internal' : '' },
    h('span', { class: 'muted' }, fmtTime(e.at)), ' ', h('strong', {}, what), ' ',
    e.actor ? h('span', { class: 'muted' }, names.get(e.actor) || e.actor) : null,
    e.internal ? [' ', h('span', { class: 'badge' }, t('ticket.internal'))] : null,
    e.body && e.kind !== 'created' ? entryBody(e, alerts) : null);
}

// The stage most incidents go to next from each stage: after phone/remote
// support most are recovered without a visit (incidents.md: 110 of 128 in
// the national pilot), and after a visit recovery follows.
const USUAL_NEXT = { triage: 'remote', remote: 'recovery', onsite: 'recovery', recovery: 'closed' };

// The stages the incident may move to (the centre's "next", in the steps'
// order), split into steps forward and steps back.
function nextStages(x, at) {
  const next = (x.next || []).filter((s) => STEPS.includes(s));
  return [next.filter((s) => STEPS.indexOf(s) > at), next.filter((s) => STEPS.indexOf(s) < at)];
}

// The forward step the list starts on: the usual one, else the nearest.
function preselected(status, ahead) {
  return ahead.includes(USUAL_NEXT[status]) ? USUAL_NEXT[status] : ahead[0];
}

// The message beside the page (app.js flash), which markInvalid adds to a
// field's description.
function flashBox() {
  return document.getElementById('flash');
}

// A refused call: the field the centre names (center-api.md, Errors:
// "field") is marked and said by its own message when the form knows it,
// else the error code's words. fields: name -> [input, message key].
function failed(ctx, e, fields) {
  const f = e instanceof api.ApiError && e.field && fields[e.field];
  if (f) {
    ctx.flash(t(f[1], { button: t('incident.move') }), 'error');
    markInvalid(f[0], flashBox());
    return;
  }
  ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
}

// Vendor actions: move to the next step (with the visit's details for
// on-site), and add a note to the timeline.
function vendorActions(x, ctx) {
  const box = h('section', { class: 'card', 'aria-labelledby': 'iact-h' }, h('h2', { id: 'iact-h' }, t('incident.progress')));
  const at = STEPS.indexOf(x.status);
  if (x.status !== 'closed') {
    const to = field(t('incident.move_to'), 'select', { name: 'to', id: 'incident-to' });
    const [ahead, back] = nextStages(x, at);
    const usual = preselected(x.status, ahead);
    to.input.append(h('optgroup', { label: t('incident.forward_group') }, ahead.map((s) => h('option', { value: s, selected: s === usual }, statusText(s)))));
    if (back.length) to.input.append(h('optgroup', { label: t('incident.back_group') }, back.map((s) => h('option', { value: s }, t('incident.back_to', { to: statusText(s) })))));
    const note = field(t('incident.note'), 'textarea', { name: 'note', rows: 2, maxlength: 1300 });
    const who = field(t('incident.dispatch_who'), 'input', { name: 'who', maxlength: 200 });
    const when = dateField(t('incident.dispatch_when'), { name: 'when', type: 'datetime-local' });
    const where = field(t('incident.dispatch_where'), 'input', { name: 'where', maxlength: 300 });
    const outcome = field(t('incident.outcome'), 'input', { name: 'outcome', maxlength: 200, id: 'incident-outcome' });
    const visit = h('fieldset', { class: 'visit', id: 'visit-fields' }, h('legend', {}, t('incident.dispatch')), who.wrap, when.wrap, where.wrap);
    // Closing with the report's main texts empty is allowed (a false
    // alarm needs little), but the vendor is told before pressing.
    const empty = ['summary', 'actions'].filter((k) => !(x[k] || '').trim());
    const warn = empty.length ? h('p', { class: 'hint warn', id: 'close-report-empty' }, t('incident.close_report_empty', { fields: empty.map((k) => t('incident.f.' + k)).join(t('incident.list_sep')) })) : null;
    const closing = h('div', { id: 'outcome-field' }, outcome.wrap, warn);
    const sync = () => {
      visit.hidden = to.input.value !== 'onsite';
      closing.hidden = to.input.value !== 'closed';
    };
    to.input.addEventListener('change', sync);
    sync();
    const form = h('form', { id: 'transition-form', novalidate: true }, to.wrap, visit, closing, note.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('incident.move'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearInvalid(form);
      const body = { to: to.input.value };
      if (note.input.value.trim()) body.note = note.input.value.trim();
      if (body.to === 'onsite') {
        const gap = [who.input, when.input, where.input].find((i) => (i === when.input ? !zonedInputToUtc(i.value) : !i.value.trim()));
        if (gap) {
          ctx.flash(t('incident.dispatch_missing'), 'error');
          markInvalid(gap, flashBox());
          return;
        }
        body.dispatch = { who: who.input.value.trim(), when: zonedInputToUtc(when.input.value), where: where.input.value.trim() };
      }
      if (body.to === 'closed' && !outcome.input.value.trim()) {
        ctx.flash(t('incident.outcome_missing', { button: t('incident.move') }), 'error');
        markInvalid(outcome.input, flashBox());
        return;
      }
      if (body.to === 'closed') body.outcome = outcome.input.value.trim();
      try {
        await api.post('/incidents/' + x.id + '/transition', body);
        await ctx.route();
        ctx.flash(t(STEPS.indexOf(body.to) < at ? 'incident.moved_back_done' : 'incident.moved_done', { to: statusText(body.to) }), 'ok');
      } catch (e) {
        const missing = 'incident.dispatch_missing';
        failed(ctx, e, {
          outcome: [outcome.input, 'incident.outcome_missing'], note: [note.input, 'incident.note_bad'],
          'dispatch.who': [who.input, missing], 'dispatch.when': [when.input, missing], 'dispatch.where': [where.input, missing],
        });
      }
    });
    box.append(form);
  }
  const me = api.currentMe();
  if (me && x.assignee_id !== me.user.id) {
    const mine = h('button', { type: 'button', id: 'assign-me', class: 'secondary' }, t('incident.assign_me'));
    mine.addEventListener('click', async () => {
      try {
        await api.patch('/incidents/' + x.id, { assignee_id: me.user.id });
        await ctx.route();
        ctx.flash(t('incident.assigned_me'), 'ok');
      } catch (e) {
        ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
      }
    });
    box.append(h('div', { class: 'actions assign' }, mine));
  }
  const nbody = field(t('incident.add_note'), 'textarea', { name: 'body', rows: 2, maxlength: 1300 });
  const nform = h('form', { id: 'note-form', novalidate: true }, nbody.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('incident.save_note'))));
  const draft = 'incident-note-' + x.id;
  if (keepDraft(nform, draft, [nbody.input])) nform.prepend(h('p', { class: 'hint', id: 'note-draft-restored' }, t('draft.restored_note')));
  nform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearInvalid(nform);
    if (!nbody.input.value.trim()) {
      ctx.flash(t('incident.note_missing'), 'error');
      markInvalid(nbody.input);
      return;
    }
    try {
      await api.post('/incidents/' + x.id + '/notes', { body: nbody.input.value.trim() });
      dropDraft(draft);
      await ctx.route();
      ctx.flash(t('incident.note_saved'), 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    }
  });
  box.append(nform);
  return box;
}

export const REPORT_TEXTS = ['summary', 'impact', 'actions', 'advice'];

// A time in the report zone as "2026-04-01 10:05": the same in both
// languages, since a text put in the report is read in the company's
// language, not always the vendor's.
function plainTime(s) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone: timeZone(), year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(s));
  } catch {
    return fmtTime(s);
  }
  const part = (type) => (parts.find((x) => x.type === type) || {}).value || '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

// The timeline's notes a person may put in "Actions taken", one per line
// with its time: notes and the notes of stage changes, never vendor-only
// ones (the report leaves those out too), and none already in the text.
function notesForActions(timeline, have) {
  return timeline
    .filter((e) => !e.internal && (e.kind === 'note' || e.kind === 'status') && (e.body || '').trim())
    .map((e) => plainTime(e.at) + ' ' + e.body.trim())
    .filter((line) => !have.includes(line));
}

// The report's texts, for the vendor to write: four text areas saved by
// PATCH /incidents/{id} (only the ones changed). "Fill from the timeline
// notes" adds the notes to "Actions taken" for the vendor to edit; nothing
// is written over or saved without the button.
function reportForm(x, ctx, timeline) {
  const inputs = {};
  const fields = REPORT_TEXTS.map((k) => {
    const f = field(t('incident.f.' + k), 'textarea', { name: k, id: 'report-' + k, rows: 4, maxlength: 1300 });
    f.input.value = x[k] || '';
    inputs[k] = f.input;
    return f.wrap;
  });
  const fill = h('button', { type: 'button', class: 'secondary', id: 'report-fill-actions' }, t('incident.report_fill'));
  fill.addEventListener('click', () => {
    const area = inputs.actions;
    const lines = notesForActions(timeline, area.value);
    if (!lines.length) {
      ctx.flash(t('incident.report_fill_none'), 'ok');
      return;
    }
    area.value = (area.value.trim() ? area.value.replace(/\s+$/, '') + '\n' : '') + lines.join('\n');
    area.focus();
    ctx.flash(t('incident.report_filled', { n: lines.length }), 'ok');
  });
  const form = h('form', { id: 'report-form', novalidate: true }, h('p', { class: 'hint' }, t('incident.report_hint')), fields,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('incident.report_save')), fill));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    const body = {};
    for (const k of REPORT_TEXTS) if (inputs[k].value.trim() !== (x[k] || '').trim()) body[k] = inputs[k].value.trim();
    if (!Object.keys(body).length) {
      ctx.flash(t('incident.report_unchanged'), 'ok');
      return;
    }
    try {
      await api.patch('/incidents/' + x.id, body);
      await ctx.route();
      ctx.flash(t('incident.report_saved'), 'ok');
    } catch (e) {
      failed(ctx, e, Object.fromEntries(REPORT_TEXTS.map((k) => [k, [inputs[k], 'incident.report_bad']])));
    }
  });
  return h('section', { class: 'card', id: 'report-card', 'aria-labelledby': 'report-h' }, h('h2', { id: 'report-h' }, t('incident.report_texts')), form);
}

// The report's texts as the owner reads them (and as the report prints
// them: a text not written yet says so).
function reportView(x) {
  return h('section', { class: 'card', id: 'report-card', 'aria-labelledby': 'report-h' }, h('h2', { id: 'report-h' }, t('incident.report_texts')),
    h('dl', { class: 'facts', id: 'report-texts' }, REPORT_TEXTS.map((k) => [h('dt', {}, t('incident.f.' + k)),
      x[k] ? h('dd', { class: 'msg-body' }, x[k]) : h('dd', { class: 'muted' }, t('incident.report_empty'))])));
}

// The visit: planned while the incident has not left the on-site step,
// a record of what happened once it has (incidents.md).
function dispatchTitle(x) {
  return t(x.status === 'onsite' ? 'incident.dispatch_planned' : 'incident.dispatch_done');
}

async function detail(main, ctx, id) {
  const x = await api.get('/incidents/' + id);
  const vendor = api.isVendor();
  const names = new Map();
  if (vendor && api.canManage()) { // the vendor admin may list the centre's users
    try {
      for (const u of (await api.listAll('/users', { tenant: 0 }, 500)).items) names.set(u.id, u.email);
    } catch {
      /* names are a nicety */
    }
  }
  const related = await loadAlerts(x.alert_ids);
  const timeline = x.timeline || [];
  const d = x.dispatch || null;
  const me = api.currentMe().user;
  let assignee = t(x.status === 'closed' ? 'incident.unassigned_closed' : 'incident.unassigned');
  if (x.assignee_id) assignee = x.assignee_email || names.get(x.assignee_id) || (me.id === x.assignee_id ? me.email : t('incident.assigned_vendor'));
  const text = (k) => (x[k] ? [h('dt', {}, t('incident.f.' + k)), h('dd', { class: 'msg-body' }, pick(x[k]))] : null);
  // append (dom.js), not the DOM method: that one writes a null child as "null".
  append(main, [
    h('p', { class: 'crumbs' }, h('a', { href: '#/incidents' }, t('incident.back'))),
    h('h1', {}, pick(x.title_i18n || x.title) || t('incident.number', { id: x.id })),
    steps(x.status, timeline),
    h('div', { class: 'two-col' },
      h('section', { 'aria-labelledby': 'ifacts-h' }, h('h2', { id: 'ifacts-h' }, t('alert.details')),
        h('dl', { class: 'facts', id: 'incident-facts' },
          h('dt', {}, t('incident.status')), h('dd', {}, statusText(x.status)),
          x.severity ? [h('dt', {}, t('alert.severity')), h('dd', {}, severityBadge(x.severity))] : null,
          x.handling ? [h('dt', {}, t('incident.handling')), h('dd', {}, t('incident.handling.' + (x.handling === 'onsite' ? 'onsite' : 'remote')))] : null,
          h('dt', {}, t('incident.assignee')), h('dd', { id: 'assignee', class: x.assignee_id ? '' : 'muted' }, assignee),
          h('dt', {}, t('incident.opened')), h('dd', {}, fmtTime(x.created_at)),
          x.resolved_at ? [h('dt', {}, t('incident.closed_at')), h('dd', {}, fmtTime(x.resolved_at))] : null,
          x.ticket_id ? [h('dt', {}, t('nav.tickets')), h('dd', {}, h('a', { href: '#/tickets/' + x.ticket_id }, t('ticket.number', { id: x.ticket_id })))] : null,
          related.length ? [h('dt', {}, t('ticket.alerts')), h('dd', {}, relatedAlerts(related, 'incident-alerts'))] : null,
          text('outcome')),
        slaBlock(x.sla)),
      vendor ? vendorActions(x, ctx) : null),
    vendor ? reportForm(x, ctx, timeline) : reportView(x),
    d ? h('section', { class: 'card', 'aria-labelledby': 'disp-h' }, h('h2', { id: 'disp-h' }, dispatchTitle(x)),
      h('dl', { class: 'facts', id: 'dispatch' },
        h('dt', {}, t('incident.dispatch_who')), h('dd', {}, d.who || '—'),
        h('dt', {}, t('incident.dispatch_when')), h('dd', {}, fmtTime(d.when || d.at)),
        h('dt', {}, t('incident.dispatch_where')), h('dd', {}, d.where || '—'),
        d.contact ? [h('dt', {}, t('incident.dispatch_contact')), h('dd', {}, d.contact)] : null,
        d.notes ? [h('dt', {}, t('incident.note')), h('dd', {}, d.notes)] : null)) : null,
    h('section', { 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h' }, t('incident.timeline')),
      timeline.length ? h('ol', { class: 'timeline', id: 'timeline' }, timeline.map((e) => timelineItem(e, names, new Map(related.map((a) => [a.id, a]))))) : h('p', { class: 'empty' }, t('incident.no_timeline'))),
    h('p', {}, h('a', { href: '/api/v1/incidents/' + encodeURIComponent(x.id) + '/report?lang=' + lang(), target: '_blank', rel: 'noopener', id: 'report-link' }, t('incident.report'))),
  ]);
}

export async function render(main, ctx) {
  if (ctx.params[0]) return detail(main, ctx, ctx.params[0]);
  return list(main);
}
