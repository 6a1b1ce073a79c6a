// SPDX-License-Identifier: Apache-2.0
// dom: the only way pages build markup. h() creates elements and puts every
// string in as a text node (never parsed as markup), so text from the server, the
// sensors or an attacker's packet is always shown as text. Also small
// formatting helpers shared by the pages.
import * as api from './api.js';
import { t, lang, pick } from './i18n.js';
import { splitHeadline } from './sentence.js';
import { minutesText } from './duration.js';
import { hasLineBreak, oneLine, oneLineCaret, oneLineEdit } from './oneline.js';
import { utcMs, wallToUtc } from './zone.js';

export { nextDay, laterDay } from './zone.js';

// h('p', {class: 'x', onclick: fn}, 'text', child, [more]) -> HTMLElement.
// Attributes starting with "on" become listeners; booleans toggle the attribute.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A labelled form field: returns {wrap, input}. kind: 'input' | 'select' | 'textarea'.
let fieldSeq = 0;
export function field(label, kind, attrs, options) {
  const id = attrs && attrs.id ? attrs.id : 'f' + ++fieldSeq;
  const input = h(kind, { ...attrs, id });
  if (kind === 'select') {
    for (const [value, text] of options || []) input.append(h('option', { value }, text));
  }
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), input);
  return { wrap, input };
}

// A one-line text that wraps instead of scrolling out of sight (a
// consultation's subject on a phone): a textarea as tall as its text (CSS
// field-sizing, else measured here), where Enter adds no line and a line
// break, pasted or come in any other way, becomes a space (js/oneline.js).
// Text goes in through the browser's editing (insertText), not by setting
// the value, so Ctrl+Z still undoes a paste. Returns field(label,
// 'textarea', attrs).
export function wrappingLineField(label, attrs) {
  const f = field(label, 'textarea', { ...attrs, rows: 1, class: 'wrapping-line' });
  const area = f.input;
  area.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.isComposing) ev.preventDefault();
  });
  // A paste goes in as one line where the selection was, the caret after it.
  area.addEventListener('paste', (ev) => {
    const text = ev.clipboardData ? ev.clipboardData.getData('text/plain') : '';
    if (!hasLineBreak(text)) return;
    ev.preventDefault();
    const { selectionStart: start, selectionEnd: end } = area;
    const room = area.maxLength >= 0 ? area.maxLength - area.value.length + end - start : Infinity;
    typeOver(area, start, end, oneLine(text).slice(0, Math.max(0, room)));
  });
  // Any other way a line break got in (a drop, an autofill): only the part
  // with the breaks is made one line, the caret where it was in the text.
  // Undoing that (Ctrl+Z) brings the break back: it is undone together with
  // what brought it, so undo neither stops there nor cleans it up again.
  area.addEventListener('input', (ev) => {
    const edit = oneLineEdit(area.value);
    if (!edit) return;
    if (ev.inputType === 'historyUndo' && document.execCommand('undo')) return;
    const caret = oneLineCaret(area.value, area.selectionEnd);
    typeOver(area, edit.start, edit.end, edit.text);
    area.setSelectionRange(caret, caret);
  });
  if (!CSS.supports('field-sizing', 'content')) {
    const fit = () => {
      area.style.height = 'auto';
      area.style.height = area.scrollHeight + area.offsetHeight - area.clientHeight + 'px';
    };
    area.addEventListener('input', fit);
    // Drawn, or its width changed: measured in the next frame, outside the
    // observer's callback.
    new ResizeObserver(() => requestAnimationFrame(fit)).observe(area);
  }
  return f;
}

// Replaces start..end of a text field by text as typing would: one step the
// browser can undo, and the input event it sends (drafts, the measured
// height follow it). Where the browser cannot (no insertText), the value is
// set and the event sent here; undo then loses that step. The same for a
// field the person is not in (an autofill while they are in another one):
// the browser edits only the focused field, and focusing this one would
// take them out of where they are.
function typeOver(area, start, end, text) {
  if (document.activeElement === area) {
    area.setSelectionRange(start, end);
    if (document.execCommand('insertText', false, text)) return;
  }
  area.setRangeText(text, start, end, 'end');
  area.dispatchEvent(new Event('input', { bubbles: true }));
}

// Dates: RFC 3339 from the API, shown in the centre's report zone
// (GET /api/v1/me "timezone", default Asia/Tokyo), as the mails and reports
// do, never in the zone of the reader's computer: "2026/04/01 09:00" in
// Japanese, "1 Apr 2026, 09:00" in English (no 01/04 to misread). A page
// that shows a time says the zone once (timeZoneNote, added by app.js).
const JAPAN_ZONES = ['Asia/Tokyo', 'Japan'];
const formats = new Map();
let timesShown = false;

export function timeZone() {
  const me = api.currentMe();
  return (me && me.timezone) || 'Asia/Tokyo';
}

function timeFormat() {
  const key = lang() + ' ' + timeZone();
  if (!formats.has(key)) {
    const opts = lang() === 'ja'
      ? { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    let f;
    try {
      f = new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', { ...opts, timeZone: timeZone() });
    } catch {
      f = new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', { ...opts, timeZone: 'UTC' }); // a zone this browser does not know
    }
    formats.set(key, f);
  }
  return formats.get(key);
}

export function fmtTime(s) {
  if (!s) return t('common.never');
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  timesShown = true;
  return timeFormat().format(d);
}

// Whether fmtTime was used since the last call (app.js asks before and
// after drawing a page).
export function takeTimesShown() {
  const shown = timesShown;
  timesShown = false;
  return shown;
}

// "時刻はすべて日本時間です。" / "All times are Japan time (JST).", or the
// zone's name for another zone.
export function timeZoneNote() {
  const zone = timeFormat().resolvedOptions().timeZone;
  const text = JAPAN_ZONES.includes(zone) ? t('time.zone_japan') : t('time.zone_other', { zone });
  return h('p', { class: 'hint time-zone-note', id: 'time-zone-note' }, text);
}

// A labelled date, month or date-and-time field (attrs.type 'date', 'month'
// or 'datetime-local'; field() otherwise) that says the chosen value under it
// in the page's language: "選択中：2026年4月1日(水)" / "Selected: Wed 1 April
// 2026" (#<id>-said, which describes the field). Chromium draws these fields
// in the browser's own language whatever the page's: `lang` on the field or
// the page and the page's locale change nothing (checked in session 26), so a
// Japanese page in an English browser shows "mm/dd/yyyy", and 04/01 can be
// misread. The field still gets the page's `lang` (a browser that honours it
// draws it so); while it is empty the line says that nothing is chosen.
const DATE_PARTS = {
  date: { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' },
  month: { year: 'numeric', month: 'long' },
  'datetime-local': { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
};

export function dateField(label, attrs) {
  const f = field(label, 'input', { ...attrs, lang: lang() });
  // The line describes the field (aria-describedby), and is no live region
  // as well: it changes only when the reader changes the field, so a screen
  // reader reads it with the field, and a live region would read it a second
  // time on each change.
  const said = h('p', { class: 'hint date-said', id: f.input.id + '-said' });
  f.input.setAttribute('aria-describedby', said.id);
  const say = () => {
    const text = dateInputText(f.input.type, f.input.value);
    said.textContent = text ? t('date.chosen', { date: text }) : t('date.none');
  };
  f.input.addEventListener('input', say);
  f.input.addEventListener('change', say);
  say();
  f.wrap.append(said);
  return f;
}

// A date field's value ("2026-04-01", "2026-04", "2026-04-01T09:30") in the
// page's words, as typed (no zone conversion); '' when there is none.
function dateInputText(type, value) {
  const m = /^(\d{4,})-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}))?)?$/.exec(value || '');
  if (!m || !DATE_PARTS[type]) return '';
  const at = new Date(utcMs(+m[1], +m[2], +(m[3] || 1), +(m[4] || 0), +(m[5] || 0)));
  return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', { ...DATE_PARTS[type], timeZone: 'UTC' }).format(at);
}

// A date and time typed in a datetime-local field ("2026-04-02T10:00") read
// in the report zone, as RFC 3339 UTC ("2026-04-02T01:00:00Z"); null when
// it is not one (zone.js wallToUtc: a time a change of offset skips or
// repeats is read as Temporal's "compatible" does).
export function zonedInputToUtc(value) {
  return wallToUtc(value, timeZone());
}

// The month now in the report zone, "2026-04".
export function zonedMonth() {
  return zonedToday().slice(0, 7);
}

// The day now in the report zone, "2026-04-01" (the last day a period of
// the statistics can start on).
export function zonedToday() {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: timeFormat().resolvedOptions().timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return part('year').padStart(4, '0') + '-' + part('month') + '-' + part('day');
}

// A duration given in minutes in the reports' words (duration.js): 90 ->
// "1 時間 30 分" / "1 hour 30 min", 1440 -> "1 日" / "1 day", 0 -> "1 分未満" /
// "under 1 min".
export function fmtMinutes(min) {
  return minutesText(min, t);
}

// A duration the centre gives in seconds (an incident's time taken, the
// statistics' medians), in whole minutes rounded down as the reports say it:
// 5400 -> "1 時間 30 分" / "1 hour 30 min"; 0-59 -> "1 分未満" / "under 1 min".
export function fmtSeconds(sec) {
  return fmtMinutes(Math.floor(Number(sec) / 60));
}

// "Seen once (date)" or "N times (first ..., last ...)".
export function seenSummary(a) {
  const n = Number(a.count ?? 1);
  if (n <= 1) return t('alert.seen_once', { last: fmtTime(a.last_seen || a.first_seen) });
  return t('alert.seen_summary', { n, first: fmtTime(a.first_seen), last: fmtTime(a.last_seen) });
}

export function severityBadge(sev) {
  const n = Number(sev) >= 1 && Number(sev) <= 4 ? Number(sev) : 4;
  return h('span', { class: 'badge sev-' + n }, t('severity.' + n));
}

export function statusBadge(status) {
  const known = ['new', 'acknowledged', 'escalated', 'closed'];
  const s = known.includes(status) ? status : 'unknown';
  return h('span', { class: 'badge st-' + s }, t('status.' + s));
}

// The alert's headline (first sentence of its message in the reader's
// language, sentence.js), else its signature.
export function alertTitle(a) {
  return splitHeadline(pick(a.message))[0] || a.signature || '#' + a.id;
}

// The rest of the alert's message after the headline ('' when none).
export function alertMore(a) {
  return splitHeadline(pick(a.message))[1];
}

// The alerts of a ticket or incident, read one by one (at most 20; one that
// cannot be read keeps just its number).
export async function loadAlerts(ids) {
  return Promise.all((ids || []).slice(0, 20).map((id) => api.get('/alerts/' + id).catch(() => ({ id }))));
}

// A list of alerts as links: severity, headline and when last seen.
export function relatedAlerts(alerts, id) {
  return h('ul', { class: 'related-alerts', id }, alerts.map((a) => h('li', {},
    a.severity ? [severityBadge(a.severity), ' '] : null,
    h('a', { href: '#/alerts/' + a.id }, a.signature || a.message ? alertTitle(a) : t('alert.number', { id: a.id })),
    a.last_seen ? [' ', h('span', { class: 'muted' }, fmtTime(a.last_seen))] : null)));
}

// Lets a wide table fold on a phone (app.css, under 720 px): each row becomes
// a block whose cells carry their column's name (data-label, shown before
// the value), instead of a table scrolling sideways. Call after the rows are
// in, and again after adding rows (it only labels); returns the table. A
// column heading that holds a control (the alert list's "select all" box)
// stays on screen, named by the control's aria-label; the others are hidden
// from sight only.
export function stackOnPhone(table) {
  const heads = [...table.querySelectorAll('thead th')];
  const names = heads.map((th) => th.textContent);
  table.classList.add('stack');
  for (const th of heads) {
    const control = th.querySelector('input, select, button');
    if (!control) continue;
    th.classList.add('keep');
    th.dataset.label = control.getAttribute('aria-label') || '';
    th.closest('thead').classList.add('keep');
  }
  for (const tr of table.querySelectorAll('tbody tr')) {
    [...tr.children].forEach((cell, i) => {
      if (cell.tagName === 'TD' && names[i]) cell.dataset.label = names[i];
    });
  }
  return table;
}

export function link(href, text, attrs) {
  return h('a', { href, ...attrs }, text);
}

// A month picker and a link to a printable monthly report: base is the
// report's address without query (or a function giving it, re-read when a
// field in `before` changes); the link follows the chosen month and the
// reader's language, and opens in a new tab.
export function monthlyReport(base, id, before) {
  const month = zonedMonth();
  const picker = dateField(t('report.month'), { type: 'month', id: id + '-month', name: 'month', value: month });
  const input = picker.input;
  const a = h('a', { class: 'button secondary', id, target: '_blank', rel: 'noopener' }, t('report.open'));
  const sync = () => {
    const b = typeof base === 'function' ? base() : base;
    a.href = b + '?month=' + encodeURIComponent(input.value || month) + '&lang=' + lang();
  };
  input.addEventListener('change', sync);
  for (const f of before || []) f.input.addEventListener('change', sync);
  sync();
  return h('div', { class: 'inline-form' },
    (before || []).map((f) => f.wrap),
    picker.wrap,
    h('div', { class: 'actions' }, a));
}

// Cuts s to at most maxBytes of UTF-8 without splitting a character (the
// centre's limits count bytes; Japanese takes three per character).
export function clipBytes(s, maxBytes) {
  const enc = new TextEncoder();
  if (enc.encode(s).length <= maxBytes) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const len = enc.encode(ch).length;
    if (n + len > maxBytes - 3) break;
    out += ch;
    n += len;
  }
  return out + '…';
}

// The centre sends no e-mail at all ("mail_enabled": false in GET
// .../contacts): said to an SME's people (the dashboard, the contacts in
// Settings) instead of asking for contacts, with whom to ask: their IT
// company, which runs the centre.
export function smeMailOffNote() {
  return h('p', { class: 'notice mail-warning', id: 'mail-off-sme' }, t('mail.off_sme'));
}

// Says text in a message beside a form (role=alert): emptied now and
// filled a moment later, so a screen reader reads it out again when it is
// the same as before (the same mistake twice: an unchanged text is not
// read). '' empties it. The last call wins.
const alertSeq = new WeakMap();
export function sayAlert(el, text) {
  const seq = (alertSeq.get(el) || 0) + 1;
  alertSeq.set(el, seq);
  el.textContent = '';
  if (!text) return;
  setTimeout(() => {
    if (alertSeq.get(el) === seq) el.textContent = text;
  }, 100);
}

// The field at fault in a form: marked aria-invalid="true" (a screen reader
// says "invalid entry" with it) and focused. error: the message beside the
// form that says what is wrong (an element with an id; the sign-in and
// account forms), added to the field's aria-describedby, so the message is
// read with the field. The marks go when the person changes the field, or
// (clearInvalid) when the form is sent again.
const describedBy = new WeakMap(); // field -> the id markInvalid added
export function markInvalid(input, error) {
  unmarkInvalid(input);
  input.setAttribute('aria-invalid', 'true');
  if (error && error.id) {
    const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!ids.includes(error.id)) {
      input.setAttribute('aria-describedby', [...ids, error.id].join(' '));
      describedBy.set(input, error.id);
    }
  }
  input.addEventListener('input', () => unmarkInvalid(input), { once: true });
  input.focus();
}

// Takes the marks of markInvalid off one field.
function unmarkInvalid(input) {
  input.removeAttribute('aria-invalid');
  const added = describedBy.get(input);
  if (!added) return;
  describedBy.delete(input);
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== added);
  if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
  else input.removeAttribute('aria-describedby');
}

// Takes the marks of markInvalid off every field of form.
export function clearInvalid(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) unmarkInvalid(el);
}
